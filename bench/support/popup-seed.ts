// bench/popup.ts bundles this with esbuild and runs it in an extension page (same origin as the
// background): it writes a large inbox into the cache exactly as the background stores one, sealed
// under the unlocked account's keys from storage.session, with the extension's own sealing code, and
// indexed for search as background/search-index.ts indexes messages.
import { openDB } from 'idb';
import { DB_NAME, type InboxDB } from '../../src/cache/schema.ts';
import { sealConversation, sealMessage } from '../../src/cache/records.ts';
import { cacheKeysFrom, parseSession, SESSION_KEY } from '../../src/cache/session-keys.ts';
import type { MessageView } from '../../src/views.ts';
import { termsOf } from '../../background/search-index.ts';

export interface SeedPlan {
  account: string;
  conversations: number;
  messages: number;
  big: number;
  now: number;
  /** cache a name and avatar for every peer */
  names: boolean;
}

async function seed(plan: SeedPlan): Promise<{ topics: string[]; bigPeer: string; stored: { conversations: number; messages: number; terms: number } }> {
  const api = (globalThis as unknown as { chrome: { storage: { session: { get(k: string): Promise<Record<string, unknown>> } } } }).chrome;
  const session = parseSession((await api.storage.session.get(SESSION_KEY))[SESSION_KEY]);
  const keys = session && (await cacheKeysFrom(session, plan.account));
  if (!keys) throw new Error('the account is not unlocked');
  const db = await openDB<InboxDB>(DB_NAME);
  const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');
  const MIN = 60_000;
  const topics: string[] = [];
  const peers: string[] = [];
  for (let i = 0; i < plan.conversations; i++) {
    topics.push(`/xmtp/0/m-${hex(0xbe0c0000 + i, 64)}/proto`);
    peers.push(`0x${hex(0xbe0c + i + 1, 40)}`);
  }
  // message counts: conversation 0 gets `big`, the others share the rest
  const counts = topics.map((_, i) => (i === 0 ? plan.big : 0));
  const rest = plan.messages - plan.big;
  for (let k = 0; k < rest; k++) counts[1 + (k % (plan.conversations - 1))]!++;
  const texts = ['gm', 'Are you around later?', 'Sure, 5 pm works for me', 'Sent you the doc 📄', 'lol', 'Let me check and get back to you. The deploy is scheduled for Thursday, right after the audit report lands.'];
  const BATCH = 100; // conversations per transaction
  let stored = 0;
  for (let start = 0; start < topics.length; start += BATCH) {
    const conversations = [];
    const messages = [];
    const terms = [];
    for (let i = start; i < Math.min(topics.length, start + BATCH); i++) {
      const topic = topics[i]!;
      const newest = plan.now - i * 13 * MIN; // conversation 0 is the newest
      let last: MessageView | undefined;
      for (let j = 0; j < counts[i]!; j++) {
        const mine = j % 3 === 1;
        last = {
          id: hex(i, 8) + hex(j, 8) + 'f'.repeat(48),
          conversation: topic,
          senderAddress: mine ? plan.account : peers[i]!,
          sent: newest - (counts[i]! - 1 - j) * 4 * MIN,
          contentType: 'xmtp.org/text:1.0',
          // the 15,000th message stored has a word no other has: the search bench looks for it
          content: `${texts[(i + j) % texts.length]}${j % 11 === 0 ? ` (#${j})` : ''}${stored++ === 14_999 ? ' kumquat' : ''}`,
          status: 'sent',
        };
        messages.push(sealMessage(keys, { ...last, account: plan.account }));
        terms.push(termsOf(keys, last));
      }
      conversations.push(
        sealConversation(keys, {
          account: plan.account,
          topic,
          peerAddress: peers[i]!,
          createdAt: newest - 30 * 86_400_000,
          createdNs: BigInt(newest - 30 * 86_400_000) * 1_000_000n,
          version: 'v2',
          consent: i % 50 === 49 ? 'unknown' : 'allowed',
          updatedAt: newest,
          ...(last ? { lastMessage: last } : {}),
          readUpTo: i % 7 === 0 ? 0 : newest,
          unreadCount: i % 7 === 0 ? 2 : 0,
        }),
      );
    }
    const [cs, ms, ts] = await Promise.all([Promise.all(conversations), Promise.all(messages), Promise.all(terms)]);
    const tx = db.transaction(['conversations', 'messages', 'terms'], 'readwrite');
    await Promise.all([
      ...cs.map((r) => tx.objectStore('conversations').put(r)),
      ...ms.map((r) => tx.objectStore('messages').put(r)),
      ...ts.flat().map((t) => tx.objectStore('terms').put(t)),
    ]);
    await tx.done;
  }
  if (plan.names) {
    // one avatar as the background keeps them: 96×96 WebP, as a data: URL
    const canvas = new OffscreenCanvas(96, 96);
    const g = canvas.getContext('2d')!;
    const grad = g.createLinearGradient(0, 0, 96, 96);
    grad.addColorStop(0, '#4f46e5');
    grad.addColorStop(1, '#f59e0b');
    g.fillStyle = grad;
    g.fillRect(0, 0, 96, 96);
    const blob = await canvas.convertToBlob({ type: 'image/webp', quality: 0.85 });
    const avatar: string = await new Promise((resolve) => {
      const r = new FileReader();
      r.onload = () => resolve(String(r.result));
      r.readAsDataURL(blob);
    });
    const tx = db.transaction('names', 'readwrite');
    await Promise.all(peers.map((p, i) => tx.store.put({ address: p, name: { address: p, name: `peer${i}.eth`, source: 'ens', avatar }, checkedAt: plan.now })));
    await tx.done;
  }
  const counted = { conversations: await db.count('conversations'), messages: await db.count('messages'), terms: await db.count('terms') };
  db.close();
  return { topics, bigPeer: peers[0]!, stored: counted };
}

Object.assign(globalThis, { __seedCache: seed });
