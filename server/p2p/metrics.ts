// The network's Prometheus metrics, registered on the node's registry.
import { Counter, Gauge } from '../metrics.ts';
import type { Metrics } from '../metrics.ts';

export function createNetworkMetrics(m: Metrics) {
  const r = m.registry;
  return {
    relay: r.register(new Counter('xmtp_relay_envelopes_total', 'Envelopes relayed to peers (direction="out") and received from them (direction="in", by outcome)')),
    repairRounds: r.register(new Counter('xmtp_repair_rounds_total', 'Repair rounds with a peer, by outcome')),
    repairEnvelopes: r.register(new Counter('xmtp_repair_envelopes_total', 'Envelopes repaired from peers: fetched, stored (new), refused')),
    repairBytes: r.register(new Counter('xmtp_repair_bytes_total', 'Repair protocol bytes sent and received (messages, without stream framing)')),
    peers: r.register(new Gauge('xmtp_p2p_peers', 'Connected peers')),
    peerScore: r.register(new Gauge('xmtp_p2p_peer_score', 'Gossipsub score of each connected peer')),
    disconnects: r.register(new Counter('xmtp_p2p_peers_banned_total', 'Peers disconnected and banned for a low score')),
  };
}
export type NetworkMetrics = ReturnType<typeof createNetworkMetrics>;
