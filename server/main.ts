// CLI of the XMTP node.
//   npm run server -- [serve] [--port 5555] [--host 127.0.0.1] [--db ./data/xmtp.sqlite | postgres://…] …
//   npm run server -- migrate --db …                 apply schema migrations and exit
//   npm run server -- acl list|allow|deny|remove [0xADDRESS] [comment…] --db …
// Run with --help for every option.
import { parseArgs } from 'node:util';
import { isLevel, type Level } from './log.ts';
import { DEFAULT_LIMITS, FLAGS, type NodeLimits } from './limits.ts';
import { startNode, type BusKind } from './node.ts';
import { openStore } from './store/open.ts';
import { createLogger } from './log.ts';

const LIMIT_HELP = (Object.keys(FLAGS) as Array<keyof NodeLimits>).map((k) => `  --${FLAGS[k].padEnd(30)} default ${DEFAULT_LIMITS[k]}`).join('\n');

const HELP = `XMTP node (Message API v1 over HTTP/JSON, WebSocket subscriptions)

Usage:
  npm run server -- [serve] [options]
  npm run server -- migrate [--db …]
  npm run server -- acl list|allow|deny|remove [0xADDRESS] [comment…] [--db …]

Options:
  --host HOST            listen address (default 127.0.0.1)
  --port PORT            listen port (default 5555; 0 = any free port)
  --db DB                SQLite file (default ./data/xmtp.sqlite, created if missing), ':memory:',
                         or postgres://user@host:port/dbname
  --bus nats|pg-notify|none
                         fan-out between node processes sharing a PostgreSQL database (default nats;
                         pg-notify = PostgreSQL LISTEN/NOTIFY, no extra server; none = one process)
  --nats-url URL         NATS server for --bus nats (default nats://127.0.0.1:4222)
  --no-auth              accept publishes without auth tokens (local development only)
  --no-rate-limit        disable per-IP rate limits
  --acl-file FILE        allow/deny list file ("allow 0x…" / "deny 0x…" lines), reloaded on change
  --privileged 0x…       wallet that may publish to any contact-/privatestore- topic (repeatable)
  --trust-proxy          take the client IP from X-Forwarded-For (last entry)
  --cors-origin ORIGIN   web origin allowed to use the node from a browser (repeatable; patterns like
                         chrome-extension://* or http://localhost:*; * = any). Default: on a loopback
                         host the extensions and local pages only, on any other host every origin
  --metrics-port PORT    serve GET /metrics on this operator port (default: not served)
  --metrics-host HOST    host of the operator port (default 127.0.0.1)
  --metrics-token TOKEN  also serve /metrics on the main port to "Authorization: Bearer TOKEN"
  --log-level LEVEL      debug|info|warn|error|silent (default info)
  --blobs DIR|s3://BUCKET[/PREFIX]
                         keep remote attachments' encrypted files (PUT/GET /blobs/<sha256>): in a directory
                         (created if missing), or in an S3-compatible bucket (with --s3-endpoint and the
                         credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). Default: no blob store
  --s3-endpoint URL      the S3-compatible service, e.g. https://s3.eu-west-1.amazonaws.com
  --s3-region REGION     default us-east-1
  --tls-cert FILE, --tls-key FILE
                         serve HTTPS (PEM certificate chain and key): HTTP/2 with HTTP/1.1 fallback, wss://
  --p2p-listen MULTIADDR join the network of nodes, listening there (e.g. /ip4/0.0.0.0/tcp/7777; repeatable)
  --peer MULTIADDR       a static peer to keep connected (/ip4/…/tcp/…/p2p/<peer id>; repeatable)
  --p2p-key FILE         the node's libp2p identity key (default <sqlite file>.p2p-key, or ./data/p2p-key
                         with PostgreSQL; created on first start)
  --repair-interval S    seconds between repair rounds with each peer (default 30)
  --peer-rate N          envelopes per second one peer may relay to this node (default 20000, about what a
                         node can store; bursts of 5 s); a peer above it is refused and scored down
  -h, --help

Limits (defaults and reasons: server/README.md, "Limits and exposure"):
${LIMIT_HELP}

Environment: XMTP_DB, XMTP_HOST, XMTP_PORT, XMTP_NATS_URL, XMTP_LOG_LEVEL are used when the option is absent.
Signals: SIGTERM/SIGINT shut down gracefully; SIGHUP reloads the allow/deny lists.`;

function fail(msg: string): never {
  process.stderr.write(`${msg}\n\n${HELP}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        db: { type: 'string' },
        bus: { type: 'string' },
        'nats-url': { type: 'string' },
        'no-auth': { type: 'boolean' },
        'no-rate-limit': { type: 'boolean' },
        'acl-file': { type: 'string' },
        privileged: { type: 'string', multiple: true },
        'trust-proxy': { type: 'boolean' },
        'cors-origin': { type: 'string', multiple: true },
        'metrics-port': { type: 'string' },
        'metrics-host': { type: 'string' },
        'metrics-token': { type: 'string' },
        ...Object.fromEntries(Object.values(FLAGS).map((f) => [f, { type: 'string' as const }])),
        'log-level': { type: 'string' },
        'p2p-listen': { type: 'string', multiple: true },
        peer: { type: 'string', multiple: true },
        'p2p-key': { type: 'string' },
        'repair-interval': { type: 'string' },
        'peer-rate': { type: 'string' },
        blobs: { type: 'string' },
        's3-endpoint': { type: 'string' },
        's3-region': { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    fail((err as Error).message);
  }
  const { values: v, positionals } = parsed;
  if (v.help) {
    process.stdout.write(HELP + '\n');
    return;
  }
  const db = v.db ?? process.env.XMTP_DB ?? './data/xmtp.sqlite';
  const logLevel = v['log-level'] ?? process.env.XMTP_LOG_LEVEL ?? 'info';
  if (!isLevel(logLevel)) fail(`invalid --log-level ${logLevel}`);
  const bus = v.bus as BusKind | undefined;
  if (bus !== undefined && !['none', 'pg-notify', 'nats'].includes(bus)) fail(`invalid --bus ${bus}`);
  const [command = 'serve', ...args] = positionals;

  if (command === 'migrate' || command === 'acl') {
    const log = createLogger({ level: logLevel as Level });
    const { store } = await openStore(db, { log, nodeId: 'cli', bus: 'none' });
    try {
      if (command === 'migrate') {
        process.stdout.write(`schema version ${await store.schemaVersion()} (${store.kind})\n`);
        return;
      }
      const [sub, address, ...comment] = args;
      if (sub === 'list') {
        for (const e of await store.aclList()) process.stdout.write(`${e.permission} ${e.address}${e.comment ? ' ' + e.comment : ''}\n`);
        return;
      }
      if (!address || !/^0x[0-9a-fA-F]{40}$/.test(address)) fail('acl: expected a 0x-prefixed 40-hex-digit wallet address');
      if (sub === 'allow' || sub === 'deny') {
        await store.aclSet({ address, permission: sub, comment: comment.join(' ') });
        process.stdout.write(`${sub} ${address.toLowerCase()} (running nodes pick it up within 5 s)\n`);
      } else if (sub === 'remove') {
        process.stdout.write((await store.aclRemove(address)) ? `removed ${address.toLowerCase()}\n` : `${address.toLowerCase()} was not listed\n`);
      } else fail(`acl: unknown subcommand ${sub ?? ''}`);
    } finally {
      await store.close();
    }
    return;
  }
  if (command !== 'serve') fail(`unknown command ${command}`);

  const portText = v.port ?? process.env.XMTP_PORT ?? '5555';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`invalid --port ${portText}`);
  if (!!v['tls-cert'] !== !!v['tls-key']) fail('--tls-cert and --tls-key go together');
  if (v.peer?.length && !v['p2p-listen']?.length) fail('--peer needs --p2p-listen (the node joins the network only with it)');
  const repairSeconds = Number(v['repair-interval'] ?? 30);
  if (!(repairSeconds >= 1)) fail(`invalid --repair-interval ${v['repair-interval']}`);
  const peerRate = Number(v['peer-rate'] ?? 20_000);
  if (!(peerRate >= 1)) fail(`invalid --peer-rate ${v['peer-rate']}`);
  const blobs = v.blobs;
  let s3;
  if (blobs?.startsWith('s3://')) {
    const { AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: secretKey } = process.env;
    if (!v['s3-endpoint']) fail('--blobs s3://… needs --s3-endpoint');
    if (!accessKey || !secretKey) fail('--blobs s3://… needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment');
    s3 = { endpoint: v['s3-endpoint'], region: v['s3-region'], accessKey, secretKey };
  }
  const limits: Partial<NodeLimits> = {};
  for (const [key, flag] of Object.entries(FLAGS) as Array<[keyof NodeLimits, string]>) {
    const text = (v as Record<string, unknown>)[flag];
    if (typeof text !== 'string') continue;
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) fail(`invalid --${flag} ${text}: expected a non-negative number`);
    limits[key] = n;
  }
  let metricsPort: number | undefined;
  if (v['metrics-port'] !== undefined) {
    metricsPort = Number(v['metrics-port']);
    if (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535) fail(`invalid --metrics-port ${v['metrics-port']}`);
  }
  const node = await startNode({
    host: v.host ?? process.env.XMTP_HOST ?? '127.0.0.1',
    port,
    db,
    bus,
    natsUrl: v['nats-url'],
    auth: !v['no-auth'],
    rateLimits: v['no-rate-limit'] ? false : undefined,
    aclFile: v['acl-file'],
    privilegedAddresses: v.privileged,
    trustProxy: v['trust-proxy'],
    corsOrigins: v['cors-origin'],
    metricsPort,
    metricsHost: v['metrics-host'],
    metricsToken: v['metrics-token'],
    limits,
    blobs,
    s3,
    logLevel: logLevel as Level,
    tls: v['tls-cert'] && v['tls-key'] ? { cert: v['tls-cert'], key: v['tls-key'] } : undefined,
    p2p: v['p2p-listen']?.length
      ? {
          listen: v['p2p-listen'],
          peers: v.peer,
          keyFile: v['p2p-key'],
          repairIntervalMs: repairSeconds * 1000,
          // Envelopes younger than this are left to the relay (in flight); at most 10 s.
          settleMs: Math.min(10_000, repairSeconds * 500),
          relayPerMinute: peerRate * 60,
          relayBurst: peerRate * 5,
        }
      : undefined,
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    node.log.info('signal received', { signal });
    node.close().then(
      () => process.exit(0),
      (err) => {
        node.log.error('shutdown failed', { err: String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGHUP', () => {
    node.log.info('reloading allow/deny lists');
    void node.reloadAcl();
  });
  // Machine-readable line for scripts and tests that start the node on port 0.
  process.stdout.write(JSON.stringify({ listening: node.url, ...(node.network ? { p2p: node.network.info().addrs } : {}), ...(node.metricsUrl ? { metrics: node.metricsUrl } : {}) }) + '\n');
}

process.on('unhandledRejection', (err) => {
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'unhandled rejection', err: String(err) }) + '\n');
});

main().catch((err) => {
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'fatal', err: String((err as Error)?.stack ?? err) }) + '\n');
  process.exit(1);
});
