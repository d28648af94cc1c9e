// The libp2p host of a network node: TCP, Noise, Yamux, identify, and gossipsub speaking Waku Relay
// (11/WAKU2-RELAY: protocol id /vac/waku/relay/2.0.0, no message signatures, message id =
// sha256(data), as go-waku computes it). Peers that misbehave lose gossipsub score (v1.1 peer
// scoring: invalid messages, plus our own penalties as the application-specific score) and, once
// under the graylist threshold, are disconnected and refused for a while (`Bans`). Connection writes
// are coalesced per event-loop turn (coalesce.ts).
import { createHash } from 'node:crypto';
import { GossipSub, type GossipSubComponents } from '@chainsafe/libp2p-gossipsub';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { identify } from '@libp2p/identify';
import type { PeerId, PrivateKey } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { createLibp2p, type Libp2p } from 'libp2p';
import { coalescing } from './coalesce.ts';
import { PUBSUB_TOPIC, RELAY_PROTOCOL } from './wire.ts';

/** Below this score a peer's messages are ignored (gossipsub) and it is disconnected (Bans). */
export const GRAYLIST_THRESHOLD = -80;

/** Penalties for misbehaviour gossipsub cannot see (refused repair answers, floods): decays like gossipsub scores. */
export class Penalties {
  private points = new Map<string, { value: number; at: number }>();
  constructor(private halfLifeMs = 60_000, private now: () => number = Date.now) {}

  add(peer: string, value: number): void {
    this.points.set(peer, { value: this.get(peer) + value, at: this.now() });
  }

  get(peer: string): number {
    const p = this.points.get(peer);
    if (!p) return 0;
    const v = p.value * 0.5 ** ((this.now() - p.at) / this.halfLifeMs);
    if (v < 0.01) this.points.delete(peer);
    return v;
  }
}

/** Peers disconnected for misbehaving, refused (both ways) until their ban ends. */
export class Bans {
  private until = new Map<string, number>();
  constructor(private now: () => number = Date.now) {}
  ban(peer: string, ms: number): void {
    this.until.set(peer, this.now() + ms);
  }
  isBanned(peer: string): boolean {
    const t = this.until.get(peer);
    if (t === undefined) return false;
    if (t > this.now()) return true;
    this.until.delete(peer);
    return false;
  }
  get size(): number {
    return this.until.size;
  }
}

export interface HostOptions {
  privateKey: PrivateKey;
  listen: string[];
  penalties: Penalties;
  bans: Bans;
  /** Largest relayed message (WakuMessage bytes). */
  maxMessageBytes: number;
}

export type Services = { identify: ReturnType<ReturnType<typeof identify>>; pubsub: GossipSub };
export type Host = Libp2p<Services>;

export function createHost(o: HostOptions): Promise<Host> {
  const banned = (p: PeerId) => o.bans.isBanned(p.toString());
  return createLibp2p({
    privateKey: o.privateKey,
    addresses: { listen: o.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [coalescing(yamux())],
    connectionGater: {
      denyDialPeer: banned,
      denyInboundEncryptedConnection: banned,
      denyOutboundEncryptedConnection: banned,
    },
    services: {
      identify: identify(),
      pubsub: (components: GossipSubComponents) => new GossipSub(components, {
        multicodecs: [RELAY_PROTOCOL],
        globalSignaturePolicy: 'StrictNoSign',
        msgIdFn: (msg) => createHash('sha256').update(msg.data).digest(),
        fastMsgIdFn: (msg) => createHash('sha1').update(msg.data ?? new Uint8Array()).digest('base64'),
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        emitSelf: false,
        // A peer without a score history starts at 0; nodes peer with a few static peers, so PX is off.
        doPX: false,
        maxInboundDataLength: o.maxMessageBytes + 64 * 1024,
        scoreParams: {
          topics: {
            [PUBSUB_TOPIC]: {
              topicWeight: 1,
              timeInMeshWeight: 0.01,
              timeInMeshQuantum: 1000,
              timeInMeshCap: 10,
              firstMessageDeliveriesWeight: 1,
              firstMessageDeliveriesDecay: 0.5,
              firstMessageDeliveriesCap: 10,
              // Honest nodes of a quiet network deliver nothing for long stretches: no penalty for that.
              meshMessageDeliveriesWeight: 0,
              meshMessageDeliveriesDecay: 0.5,
              meshMessageDeliveriesCap: 10,
              meshMessageDeliveriesThreshold: 1,
              meshMessageDeliveriesWindow: 10,
              meshMessageDeliveriesActivation: 5000,
              meshFailurePenaltyWeight: 0,
              meshFailurePenaltyDecay: 0.5,
              // P4: every refused message costs (count² × 10); ten put a peer below the graylist.
              invalidMessageDeliveriesWeight: -10,
              invalidMessageDeliveriesDecay: 0.97,
            },
          },
          topicScoreCap: 50,
          appSpecificScore: (p) => -o.penalties.get(p),
          appSpecificWeight: 1,
          // Operators may run several nodes behind one address; loopback is exempt for local networks.
          IPColocationFactorWeight: -5,
          IPColocationFactorThreshold: 3,
          IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1']),
          behaviourPenaltyWeight: -1,
          behaviourPenaltyThreshold: 6,
          behaviourPenaltyDecay: 0.9,
          decayInterval: 1000,
          decayToZero: 0.01,
          retainScore: 10 * 60_000,
        },
        scoreThresholds: { gossipThreshold: -10, publishThreshold: -50, graylistThreshold: GRAYLIST_THRESHOLD, acceptPXThreshold: 10, opportunisticGraftThreshold: 5 },
      }),
    },
  });
}
