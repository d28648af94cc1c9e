// The extension in a network of node processes: pointed at node A with node C second (Settings ›
// Nodes), A–C peered as two operators' nodes, an official-SDK user on C. Node A is killed: the
// extension fails over to C, the SDK user's messages keep arriving and our sends keep going, each
// exactly once on both sides, and the popup says node C is in use. When A comes back (same port and
// store, repaired from C) the extension keeps working.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, type ChromiumExt } from './support/browsers.ts';
import { rpc, storedMessages, waitFor } from './support/extension-rpc.ts';
import { PASSWORD, randomKey } from './support/bg.ts';
import { createSdkClient } from '../support/sdk.ts';
import { spawnNode, type ChildNode } from '../server/helpers.ts';
import { privateKeySigner } from '../../src/xmtp/keys/private-key-signer.ts';

const dir = mkdtempSync(join(tmpdir(), 'xmtp-ext-net-'));
const children: ChildNode[] = [];
let ext: ChromiumExt | undefined;
after(async () => {
  await ext?.close();
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exited));
  rmSync(dir, { recursive: true, force: true });
});

async function start(name: string, extra: string[] = [], port = '0'): Promise<ChildNode> {
  const c = await spawnNode(['--port', port, '--db', join(dir, `${name}.sqlite`), '--no-rate-limit', '--log-level', 'warn', '--p2p-listen', '/ip4/127.0.0.1/tcp/0', '--repair-interval', '2', ...extra]);
  children.push(c);
  return c;
}
const health = async (n: ChildNode) => (await (await fetch(n.url + '/healthz')).json()) as { p2p: { addrs: string[]; peers: number } };
const texts = (all: { content: unknown }[], t: string) => all.filter((m) => m.content === t).length;

test('node A stops: the extension goes on at node C with nothing lost and nothing twice, and the popup names node C; A back, it keeps working', { timeout: 240_000 }, async () => {
  const a = await start('a');
  const c = await start('c', ['--peer', (await health(a)).p2p.addrs[0]!]);
  await waitFor(async () => (await health(a)).p2p.peers === 1, 'A and C peered');
  await new Promise((r) => setTimeout(r, 1500)); // a gossipsub heartbeat grafts the mesh

  ext = await launchChromium();
  const probe = await ext.openPopup('prompt.html');
  await rpc(probe, 'settings.update', { nodeUrls: [a.url, c.url] });
  const { address: me } = await rpc<{ address: string }>(probe, 'account.import', { privateKey: randomKey(), password: PASSWORD });
  const sdk = await createSdkClient(privateKeySigner('0x' + randomKey()), c.url);
  const convo = await sdk.conversations.newConversation(me);
  await convo.send('before A stops');
  await waitFor(async () => texts(await storedMessages(probe), 'before A stops') === 1, 'a message through A');

  const popup = await ext.openPopup();
  await popup.getByRole('button', { name: 'Settings' }).click();
  const nodes = popup.getByRole('list', { name: 'Nodes, in order of preference' });
  await nodes.getByRole('listitem').filter({ hasText: a.url.replace('http://', '') }).getByText('In use').waitFor();
  await popup.getByRole('button', { name: 'Back to inbox' }).click();

  /** The SDK user sends `theirs` and we send `ours`: our stored messages once both are there (ours sent). */
  const exchange = async (theirs: string, ours: string, what: string) => {
    const { localId } = await rpc<{ localId: string }>(probe, 'messages.send', { topic: convo.topic, content: ours });
    await convo.send(theirs);
    return waitFor(async () => {
      const m = await storedMessages(probe);
      return texts(m, theirs) === 1 && m.some((x) => x.localId === localId && x.status === 'sent') && m;
    }, what, 30_000);
  };
  const onceEach = async (mine: { content: unknown }[], sent: string[]) => {
    const theirs = (await convo.messages()).map((m: { content: string }) => m.content);
    for (const t of sent) assert.equal(theirs.filter((x: string) => x === t).length, 1, `the SDK user got "${t}" once`);
    for (const t of ['before A stops', ...sent]) assert.equal(texts(mine, t), 1, `the extension holds "${t}" once`);
  };

  a.proc.kill('SIGKILL');
  await a.exited;
  await exchange('after A stopped 1', 'from the extension, A down', 'the first messages both ways through C');
  // The popup says which node is in use now, and why.
  await popup.getByRole('status').filter({ hasText: `Using node ${c.url}: ${a.url} does not answer.` }).waitFor({ timeout: 30_000 });
  const onC = await exchange('after A stopped 2', 'from the extension, on C', 'live delivery and sending on C');
  await onceEach(onC, ['after A stopped 1', 'after A stopped 2', 'from the extension, A down', 'from the extension, on C']);

  // Settings › Nodes and About name node C as the one in use.
  await popup.getByRole('button', { name: 'Settings' }).click();
  await nodes.getByRole('listitem').filter({ hasText: c.url.replace('http://', '') }).getByText('In use: the nodes above do not answer').waitFor();
  await popup.getByRole('definition').filter({ hasText: c.url }).waitFor();

  // A comes back on its address and store, and catches up from C: messages keep going both ways, once.
  const back = await start('a', ['--peer', (await health(c)).p2p.addrs[0]!], new URL(a.url).port);
  await waitFor(async () => (await health(back)).p2p.peers === 1, 'A back and peered with C');
  const final = await exchange('after A is back', 'from the extension, A back', 'messages both ways after A is back');
  await waitFor(async () => (await convo.messages()).some((m: { content: string }) => m.content === 'from the extension, A back'), 'the SDK user gets the last send');
  await onceEach(final, ['after A stopped 2', 'after A is back', 'from the extension, A back']);
  // A repaired what it missed while down: it holds the conversation's every envelope, as C does.
  const count = async (n: ChildNode) => ((await (await fetch(n.url + '/message/v1/query', { method: 'POST', body: JSON.stringify({ contentTopics: [convo.topic], pagingInfo: { limit: 100 } }) })).json()) as { envelopes?: unknown[] }).envelopes?.length ?? 0;
  await waitFor(async () => (await count(back)) === (await count(c)) && (await count(c)) >= 7, 'A holds what C holds');
  await popup.close();
  await probe.close();
});
