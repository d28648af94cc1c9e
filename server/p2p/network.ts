// A node's membership of the network: its libp2p host (host.ts), the relay (relay.ts), repair
// (repair.ts), and the watch over its peers — static peers are redialled, and a peer whose gossipsub
// score falls under the graylist threshold is disconnected and banned for a while.
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { storeAndFanOut, type ApiDeps } from '../api.ts';
import { idKey, PROOF_TOPIC_PREFIX, proofsOf, type ProvenEnvelope, type StoredEnvelope } from '../store/types.ts';
import { Bans, createHost, GRAYLIST_THRESHOLD, Penalties, type Host } from './host.ts';
import { loadOrCreateKey } from './identity.ts';
import { createNetworkMetrics } from './metrics.ts';
import { Relay } from './relay.ts';
import { Repair, REPAIR_PROTOCOL } from './repair.ts';
import { Trust } from './trust.ts';

export interface NetworkOptions {
  /** libp2p listen multiaddrs, e.g. /ip4/0.0.0.0/tcp/7777. */
  listen: string[];
  /** Static peers (full multiaddrs with /p2p/<peer id>), dialled at start and whenever disconnected. */
  peers?: string[];
  /** Where the identity key is kept (null: a new identity each start). */
  keyFile: string | null;
  /** Repair round interval (default 30 s) and the recent window left to the relay (default 10 s). */
  repairIntervalMs?: number;
  settleMs?: number;
  /**
   * Per-peer relay rate limit (default 20,000/s, about what a node's store takes durably, in bursts
   * of 100,000): an honest node relays its clients' publishes as fast as it stores them.
   */
  relayBurst?: number;
  relayPerMinute?: number;
  /** How long a peer disconnected for its score stays refused (default 10 min). */
  banMs?: number;
}

export interface NetworkInfo {
  peerId: string;
  addrs: string[];
  peers: number;
}

export interface Network {
  readonly peerId: string;
  info(): NetworkInfo;
  /**
   * After a client's publish was stored (with its proofs, api.ts publish()): relays the envelopes to
   * every other node, key store writes with their proof (the publisher's auth token) in `meta`.
   */
  published(envelopes: ProvenEnvelope[]): Promise<void>;
  /** Relays envelopes another process of this node received; their proofs are read from the shared store. */
  relay(envelopes: StoredEnvelope[]): Promise<void>;
  /** Runs a repair round with every connected peer now (tests, and the operator after an incident). */
  repairNow(): Promise<void>;
  /** Dials a peer (tests; static peers are dialled by the node itself). */
  dial(addr: string): Promise<void>;
  /** Drops the connections to a peer (tests: a partition). */
  hangUp(peerId: string): Promise<void>;
  close(): Promise<void>;
}

/** `deps`: the node's store, fan-out and lists; what peers send is stored and delivered through publish(). */
export async function startNetwork(o: NetworkOptions, deps: ApiDeps): Promise<Network> {
  const penalties = new Penalties();
  const bans = new Bans();
  const metrics = createNetworkMetrics(deps.metrics);
  const log = deps.log;
  /** The bus carries no tokens: a key store write another process took gets the proof it kept. */
  const withStoredProofs = async (envs: StoredEnvelope[]): Promise<ProvenEnvelope[]> => {
    const needing = envs.filter((e) => e.topic.startsWith(PROOF_TOPIC_PREFIX));
    if (!needing.length) return envs;
    const meta = new Map((await deps.store.getByIds(needing)).map((e) => [idKey(e), e.meta]));
    return envs.map((e) => ({ ...e, meta: meta.get(idKey(e)) }));
  };
  const ingest = async (envs: ProvenEnvelope[]): Promise<number> => {
    await deps.store.saveProofs(proofsOf(envs));
    return (await storeAndFanOut(deps, envs.map(({ meta: _, ...e }) => e))).length;
  };
  const host: Host = await createHost({ privateKey: await loadOrCreateKey(o.keyFile), listen: o.listen, penalties, bans, maxMessageBytes: 1_100_000 });
  const trust = new Trust({ acl: deps.acl });
  const relay = new Relay({ host, trust, penalties, metrics, log, ingest, burst: o.relayBurst ?? 100_000, perMinute: o.relayPerMinute ?? 1_200_000 });
  const repair = new Repair({
    host, store: deps.store, trust, penalties, metrics, log, ingest,
    intervalMs: o.repairIntervalMs ?? 30_000, settleMs: o.settleMs ?? 10_000,
    requestBurst: 2_000, requestsPerMinute: 6_000,
  });
  const statics: Multiaddr[] = (o.peers ?? []).map((p) => multiaddr(p));
  const banMs = o.banMs ?? 10 * 60_000;
  const peerId = host.peerId.toString();

  await host.start();
  relay.start();
  await repair.start();
  // A (re)connected peer may hold what we missed while apart: repair with it at once.
  host.addEventListener('peer:identify', (e) => {
    if (e.detail.protocols.includes(REPAIR_PROTOCOL)) void repair.with(e.detail.peerId);
  });
  metrics.peers.collect(() => [[{}, host.getPeers().length]]);
  metrics.peerScore.collect(() => host.getPeers().map((p) => [{ peer: p.toString() }, host.services.pubsub.getScore(p.toString())]));

  const dialStatics = () => {
    const connected = new Set(host.getPeers().map((p) => p.toString()));
    for (const ma of statics) {
      const id = ma.getPeerId();
      if (id && (connected.has(id) || bans.isBanned(id))) continue;
      host.dial(ma, { signal: AbortSignal.timeout(10_000) }).catch((err) => log.debug('static peer not reachable', { peer: ma.toString(), err: String(err) }));
    }
  };
  const watchScores = () => {
    for (const p of host.getPeers()) {
      const key = p.toString();
      const score = host.services.pubsub.getScore(key);
      if (score >= GRAYLIST_THRESHOLD) continue;
      bans.ban(key, banMs);
      metrics.disconnects.inc();
      log.warn('peer disconnected and banned for misbehaving', { peer: key, score: Math.round(score), banMinutes: banMs / 60_000 });
      void host.hangUp(p).catch(() => {});
    }
  };
  dialStatics();
  const timers = [setInterval(dialStatics, 2_000), setInterval(watchScores, 1_000)];
  for (const t of timers) t.unref();
  log.info('joined the network', { peerId, listen: host.getMultiaddrs().map(String), peers: statics.length });

  return {
    peerId,
    info: () => ({ peerId, addrs: host.getMultiaddrs().map(String), peers: host.getPeers().length }),
    published: (envelopes) => relay.publish(envelopes),
    relay: async (envelopes) => relay.publish(await withStoredProofs(envelopes)),
    repairNow: async () => {
      await Promise.all(host.getPeers().map((p) => repair.with(p)));
    },
    dial: async (addr) => {
      await host.dial(multiaddr(addr));
    },
    hangUp: async (id) => {
      for (const p of host.getPeers()) if (p.toString() === id) await host.hangUp(p);
    },
    close: async () => {
      for (const t of timers) clearInterval(t);
      await repair.stop();
      relay.stop();
      await host.stop();
    },
  };
}
