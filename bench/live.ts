// `npm run bench -- live`: what live delivery with the popup closed costs. The built extension runs in
// headless Chromium with no debugger on its service worker (so the browser's 30 s idle stop applies, as
// for users), against a node with its default 20 s WebSocket ping, and idles in two states:
//   unlocked: the background holds the node's WebSocket; its keep-alives keep the worker running;
//   locked:   no connection; the browser stops the idle worker (the minute alarm wakes it).
// For each it prints the CPU time of the extension's process and of the whole browser, per hour of
// idling, and how often the worker was woken (keep-alive exchanges, reconnect attempts, alarms, read
// from the background's diagnostics at the end), and whether the browser stopped the worker.
//
// Options: --minutes M (2): idle time measured per state.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { startNode } from '../server/node.ts';
import { launchChromiumUnattached, ROOT } from '../tests/browser/support/browsers.ts';
import { rpc, waitFor } from '../tests/browser/support/extension-rpc.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const MINUTES = arg('minutes', 2);
const PASSWORD = 'bench password 123';
const TICKS_PER_SECOND = 100; // Linux USER_HZ

/** Every process under `root` (the browser and its children), by pid. */
function tree(root: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) for (const [pid, ppid] of parent) if (ppid === out[i]) out.push(pid);
  return out;
}

/** CPU seconds (user + system) a process has used so far, or undefined once it is gone. */
function cpuOf(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
  } catch {
    return undefined;
  }
}

/**
 * CPU used by the browser's processes over `ms`, sampled every second so that a process that exits
 * meanwhile (the extension's, when the worker stops) counts up to its last sample, and one that starts
 * counts from zero.
 */
async function cpuOver(root: number, ms: number, pick: (pid: number) => boolean): Promise<number> {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  const sample = (initial: boolean) => {
    for (const pid of tree(root)) {
      if (!pick(pid)) continue;
      const v = cpuOf(pid);
      if (v === undefined) continue;
      if (!first.has(pid)) first.set(pid, initial ? v : 0);
      last.set(pid, v);
    }
  };
  sample(true);
  const end = performance.now() + ms;
  while (performance.now() < end) {
    await new Promise((r) => setTimeout(r, 1_000));
    sample(false);
  }
  let total = 0;
  for (const [pid, v] of last) total += v - first.get(pid)!;
  return total;
}

const isExtensionProcess = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--extension-process');
  } catch {
    return false;
  }
};

async function main() {
  const built = spawnSync(process.execPath, ['build.mjs'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('build failed');
  const node = await startNode({ port: 0, db: ':memory:', logLevel: 'error', rateLimits: false });
  const ext = await launchChromiumUnattached();
  const browserPid = ext.browser.process()?.pid;
  if (!browserPid) throw new Error('no browser process');
  try {
    const probe = await ext.openPage('prompt.html');
    await rpc(probe, 'settings.update', { nodeUrl: node.url });
    await rpc(probe, 'account.create', { password: PASSWORD });
    await probe.close();
    console.log(`idling ${MINUTES} min per state (node pings every 20 s)…`);

    const measure = async (label: string) => {
      await new Promise((r) => setTimeout(r, 5_000)); // settle after the last page closed
      const stopsBefore = ext.workerStops;
      const ms = MINUTES * 60_000;
      const hours = ms / 3_600_000;
      const [extCpu, allCpu] = (await Promise.all([cpuOver(browserPid, ms, isExtensionProcess), cpuOver(browserPid, ms, () => true)])).map((s) => s / hours);
      const stops = ext.workerStops - stopsBefore;
      console.log(
        `${label.padEnd(9)} extension process ${extCpu.toFixed(2).padStart(6)} CPU s/h   whole browser ${allCpu.toFixed(2).padStart(6)} CPU s/h   worker stopped ${stops}×   websockets at the node: ${node.stats().websockets}`,
      );
      return { extCpu, allCpu };
    };

    const unlocked = await measure('unlocked');
    const worker = await (await ext.browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().startsWith(ext.base))).worker();
    const w = (await worker!.evaluate(() => (globalThis as any).xmtpInboxDiagnostics.wakeups())) as { since: number; keepalive: number; retry: number; alarm: number };
    const hoursUp = (Date.now() - w.since) / 3_600_000;
    console.log(
      `wake-ups while unlocked: ${(w.keepalive / hoursUp).toFixed(0)}/h keep-alive exchanges (node ping + our pong), ${(w.alarm / hoursUp).toFixed(0)}/h alarms, ${w.retry} reconnect attempts` +
        ` (worker up ${(hoursUp * 60).toFixed(1)} min)`,
    );
    await worker!.client.detach(); // let the browser apply its idle timeout again

    const again = await ext.openPage('prompt.html');
    await rpc(again, 'account.lock');
    await again.close();
    await waitFor(async () => node.stats().websockets === 0, 'the connection to close on lock');
    const locked = await measure('locked');
    console.log(`cost of live delivery: ${(unlocked.extCpu - locked.extCpu).toFixed(2)} CPU s/h in the extension process, ${(unlocked.allCpu - locked.allCpu).toFixed(2)} CPU s/h for the whole browser (${(((unlocked.allCpu - locked.allCpu) / 3600) * 100).toFixed(3)} % of one core)`);
  } finally {
    await ext.close();
    await node.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
