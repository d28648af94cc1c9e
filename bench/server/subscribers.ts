// Child process of bench/server.ts: opens N HTTP stream subscriptions to one topic (each from its own
// loopback address, from the given first one on) and records,
// for every `fanout <id> …` envelope, the wall-clock receive time (performance.timeOrigin + now()).
// Protocol on stdio: prints `ready` once subscribed; on `report\n` from stdin prints one JSON line
// [[id, atMs], …] and exits.
import { openSubscribers } from './load.ts';

const [url, topic, count, firstAddress] = process.argv.slice(2);
const got: Array<[number, number]> = [];
const subs = await openSubscribers(url!, topic!, Number(count), Number(firstAddress), (env, at) => {
  const id = Number(Buffer.from(env.message, 'base64').toString().split(' ')[1]);
  got.push([id, performance.timeOrigin + at]);
});
process.stdout.write('ready\n');
let input = '';
process.stdin.on('data', (d) => {
  input += d;
  if (input.includes('report')) {
    subs.drain();
    process.stdout.write(JSON.stringify(got) + '\n', () => {
      subs.close();
      process.exit(0);
    });
  }
});
