// Sample inbox data for the popup UI tests and screenshots: a handful of realistic conversations (one
// with replies, reactions, an image, a file, a read receipt and an unknown content type), or a large
// synthetic inbox for the windowing checks.
import { deflateSync } from 'node:zlib';
import { ContentTypes, type ConversationView, type MessageView } from '../../src/views.ts';
import type { FakeSeed } from './fake-background.ts';

export const ME = '0x5A0b54D5dc17e0AadC383d2db43B0a0D3E029c4c';
export const ALICE = '0xA11CE00000000000000000000000000000a11ce0';
export const BOB = '0xB0B0000000000000000000000000000000000b0b';
export const CAROL = '0xCa401000000000000000000000000000000ca401';
export const DAVE = '0xDa7e000000000000000000000000000000000da7';
export const SPAM = '0x5BA3000000000000000000000000000000005ba3';
export const WORK = '0xF0F0000000000000000000000000000000000f0f';
export const ERIN = '0xE414000000000000000000000000000000000e41';
export const NEWBIE = '0x0e70000000000000000000000000000000000e70';
export const NOT_ON_XMTP = '0x0000000000000000000000000000000000000bad';
export const PASSWORD = 'correct horse battery';
export const RESTORE_KEY = '11'.repeat(32);
/** A valid BIP-39 phrase (the standard test vector's), shown by the fake's account.reveal. */
export const SAMPLE_PHRASE = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
export const RESTORE_ADDRESS = '0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a';

/** 12:00 on 14 May 2025, local time: the fixed "now" of the screenshots. */
export const NOW = new Date(2025, 4, 14, 12, 0).getTime();
const MIN = 60_000;
const topic = (name: string) => `/xmtp/0/m-${name}/proto`;

// ---------------------------------------------------------------- a tiny PNG encoder

const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(b: Uint8Array): number {
  let c = -1;
  for (const x of b) c = CRC[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type: string, data: Uint8Array): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/** A w×h RGB PNG painted by `px(x, y) → [r, g, b]`. */
export function png(w: number, h: number, px: (x: number, y: number) => [number, number, number]): Buffer {
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0;
    for (let x = 0; x < w; x++) raw.set(px(x, y), y * (w * 3 + 1) + 1 + x * 3);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array())]);
}
/** A sunset-ish gradient with a sun: something recognisable in a screenshot. */
export function samplePhoto(): Buffer {
  return png(240, 150, (x, y) => {
    const dx = x - 160;
    const dy = y - 70;
    if (dx * dx + dy * dy < 22 * 22) return [255, 214, 102];
    if (y > 110) return [40 + (x % 40 < 20 ? 10 : 0), 60, 90];
    return [Math.round(90 + (y / 110) * 160), Math.round(80 + (y / 110) * 60), Math.round(180 - (y / 110) * 90)];
  });
}

// ---------------------------------------------------------------- sample inbox

let seq = 0;
function m(t: string, sender: string, sent: number, content: unknown, contentType: string = ContentTypes.text, extra: Partial<MessageView> = {}): MessageView {
  return { id: `msg-${++seq}`, conversation: t, senderAddress: sender, sent, contentType, content, status: 'sent', ...extra };
}

// an 8×8 PNG of one colour, as the background keeps an avatar (a data: URL)
const AVATAR = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFWEXHbQSACj/P8Fu7N9hAAAAAElFTkSuQmCC';

/** Verified names of some sample peers: ENS with and without an avatar, a Lens handle. */
export const SAMPLE_NAMES: NonNullable<FakeSeed['names']> = {
  [ALICE.toLowerCase()]: { address: ALICE.toLowerCase(), name: 'alice.eth', source: 'ens', avatar: AVATAR },
  [BOB.toLowerCase()]: { address: BOB.toLowerCase(), name: 'bob.eth', source: 'ens' },
  [CAROL.toLowerCase()]: { address: CAROL.toLowerCase(), name: 'carol.lens', source: 'lens' },
  [NEWBIE.toLowerCase()]: { address: NEWBIE, name: 'newbie.eth', source: 'ens' },
  [NOT_ON_XMTP.toLowerCase()]: { address: NOT_ON_XMTP, name: 'ghost.eth', source: 'ens' },
};

export function sampleSeed(over: Partial<FakeSeed> = {}): FakeSeed {
  seq = 0;
  const ta = topic('alice');
  const alice: MessageView[] = [];
  const a1 = m(ta, ALICE, NOW - 26 * 60 * MIN, 'Hey! Are you coming to the ETH meetup on Thursday?');
  const a2 = m(ta, ME, NOW - 25 * 60 * MIN, 'Yes, wouldn’t miss it. Are you presenting?');
  const a3 = m(ta, ALICE, NOW - 24.9 * 60 * MIN, 'Lightning talk on XMTP consent 🙂');
  const a4 = m(ta, ALICE, NOW - 24.8 * 60 * MIN, 'Slides are almost done.');
  const a5 = m(ta, ME, NOW - 90 * MIN, { filename: 'venue.png', mimeType: 'image/png', data: samplePhoto().toString('base64') }, ContentTypes.attachment);
  const a6 = m(ta, ALICE, NOW - 80 * MIN, { reference: a5.id, contentType: ContentTypes.text, content: 'Perfect, see you at the door at 6' }, ContentTypes.reply);
  const r1 = m(ta, ME, NOW - 79 * MIN, { reference: a6.id, action: 'added', schema: 'unicode', content: '👍' }, ContentTypes.reaction);
  const r2 = m(ta, ALICE, NOW - 78 * MIN, { reference: a2.id, action: 'added', schema: 'unicode', content: '🎉' }, ContentTypes.reaction);
  const a7 = m(ta, ALICE, NOW - 20 * MIN, { filename: 'talk-outline.pdf', mimeType: 'application/pdf', data: Buffer.from('%PDF-1.4 sample').toString('base64') }, ContentTypes.attachment);
  const a8 = m(ta, ALICE, NOW - 12 * MIN, {}, 'example.com/poll:1.0', { fallback: 'Poll: pizza or tacos after the meetup?' });
  const a9 = m(ta, ME, NOW - 6 * MIN, 'Tacos, obviously 🌮');
  const rr = m(ta, ALICE, NOW - 5 * MIN, {}, ContentTypes.readReceipt);
  alice.push(a1, a2, a3, a4, a5, a6, r1, r2, a7, a8, a9, rr);

  const tb = topic('bob');
  const remote = {
    url: 'https://files.example/abc',
    filename: 'minutes.txt',
    contentLength: 19,
    contentDigest: '00',
    scheme: 'https://',
    secret: '00',
    salt: '00',
    nonce: '00',
  };
  const bob = [
    m(tb, BOB, NOW - 3.1 * 60 * MIN, remote, ContentTypes.remoteAttachment),
    m(tb, BOB, NOW - 3 * 60 * MIN, 'gm! did the multisig tx go through?'),
    m(tb, BOB, NOW - 2.9 * 60 * MIN, 'need one more signer'),
  ];
  const tc = topic('carol');
  const carol = [m(tc, ME, NOW - 3 * 24 * 60 * MIN, 'Thanks for the intro!'), m(tc, CAROL, NOW - 3 * 24 * 60 * MIN + 5 * MIN, { reference: 'x', action: 'added', schema: 'unicode', content: '❤️' }, ContentTypes.reaction)];
  const td = topic('dave');
  const dave = [m(td, DAVE, NOW - 40 * 24 * 60 * MIN, { reference: 'y', contentType: ContentTypes.text, content: 'Sounds good' }, ContentTypes.reply)];
  const te = topic('erin');
  const erin = [m(te, ERIN, NOW - 45 * MIN, 'Hi, I found your address on the hackathon list. Want to team up?')];
  const ts = topic('spam');
  const spam = [m(ts, SPAM, NOW - 30 * MIN, 'Claim your airdrop now at totally-legit.example')];
  const tn = topic('newbie');
  const newbie = [m(tn, NEWBIE, NOW - 200 * MIN, 'hello?')];
  const tx = topic('blocked');
  const blocked = [m(tx, '0xBAD0000000000000000000000000000000000bad', NOW - 5 * 24 * 60 * MIN, 'You won a prize')];

  const last = (list: MessageView[]) => list.filter((x) => x.contentType !== ContentTypes.readReceipt).at(-1);
  const c = (t: string, peer: string, list: MessageView[], consent: ConversationView['consent'], unreadCount = 0, context?: ConversationView['context']): ConversationView => ({
    id: t,
    peerAddress: peer,
    createdAt: list[0]?.sent ?? NOW,
    consent,
    version: 'v2',
    lastMessage: last(list),
    updatedAt: last(list)?.sent ?? NOW,
    unreadCount,
    ...(context ? { context } : {}),
  });
  return {
    status: {
      version: '0.1.0',
      target: 'chrome',
      state: 'unlocked',
      address: ME,
      nodeUrl: 'http://localhost:5555',
      accounts: [{ address: ME, label: 'Account 1', wallet: 'extension', backup: 'phrase', backedUp: true, unread: 3 }],
    },
    password: PASSWORD,
    conversations: [
      c(ta, ALICE, alice, 'allowed'),
      c(tb, BOB, bob, 'allowed', 2),
      c(tc, CAROL, carol, 'allowed'),
      c(td, DAVE, dave, 'allowed', 0, { conversationId: 'app.uniswap.org/support', metadata: {} }),
      c(te, ERIN, erin, 'unknown', 1),
      c(ts, SPAM, spam, 'unknown', 1),
      c(tn, NEWBIE, newbie, 'allowed'),
      c(tx, '0xBAD0000000000000000000000000000000000bad', blocked, 'denied'),
    ],
    messages: { [ta]: alice, [tb]: bob, [tc]: carol, [td]: dave, [te]: erin, [ts]: spam, [tn]: newbie, [tx]: blocked },
    settings: { nodeUrls: ['http://localhost:5555'], lockAfterMinutes: 15, notifications: true, notificationPreview: 'text', readReceipts: true, ensNames: true, ethRpcUrl: 'https://ethereum-rpc.publicnode.com', ipfsGateway: 'https://ipfs.io', lensNames: false, lensApiUrl: 'https://api.lens.xyz/graphql' },
    sites: [
      { origin: 'https://app.uniswap.org', scope: 'app', account: ME, grantedAt: NOW - 10 * 24 * 60 * MIN },
      { origin: 'https://converse.xyz', scope: 'inbox', account: ME, grantedAt: NOW - 2 * 24 * 60 * MIN },
    ],
    onNetwork: [ALICE, BOB, CAROL, DAVE, ERIN, NEWBIE],
    knownKeys: { [RESTORE_KEY]: { address: RESTORE_ADDRESS, hasIdentity: true } },
    deliveryMs: 300,
    latencyMs: 2,
    phrase: SAMPLE_PHRASE,
    ...over,
  };
}

export const TOPICS = { alice: topic('alice'), bob: topic('bob'), erin: topic('erin'), spam: topic('spam'), blocked: topic('blocked') };

/** `n` allowed conversations and one of them with `messages` text messages. */
export function bigSeed(n: number, messages: number): FakeSeed {
  const base = sampleSeed();
  const conversations: ConversationView[] = [];
  const all: Record<string, MessageView[]> = {};
  for (let i = 0; i < n; i++) {
    const t = topic(`big-${i}`);
    const peer = `0x${(i + 1).toString(16).padStart(40, '0')}`;
    const lastMessage = m(t, peer, NOW - i * 7 * MIN, `Message number ${i} in a long inbox`);
    conversations.push({ id: t, peerAddress: peer, createdAt: NOW - 1e9, consent: 'allowed', version: 'v2', lastMessage, updatedAt: lastMessage.sent, unreadCount: i % 5 === 0 ? 1 : 0 });
    all[t] = [lastMessage];
  }
  const t0 = conversations[0].id;
  const peer = conversations[0].peerAddress;
  all[t0] = Array.from({ length: messages }, (_, i) =>
    m(t0, i % 3 === 0 ? ME : peer, NOW - (messages - i) * 11 * MIN, i % 7 === 0 ? `A longer message ${i} that wraps over a couple of lines so heights differ between rows.` : `short ${i}`),
  );
  conversations[0].lastMessage = all[t0].at(-1);
  conversations[0].updatedAt = all[t0].at(-1)!.sent;
  return { ...base, conversations, messages: all };
}
