// Coalesced connection writes. yamux hands every frame to the connection on its own, so each relayed
// envelope cost one Noise encryption, one socket write (a syscall, and a wake-up of the peer) and one
// read on the other side: at 1,000 envelopes/s socket writes were the largest item of a relay hop's
// profile and its event loop stalled for 50–300 ms at a time. Frames queued during one event-loop
// turn now leave as one chunk at the end of the turn (setImmediate): one encryption, one write.
import type { StreamMuxer, StreamMuxerFactory } from '@libp2p/interface';
import { Uint8ArrayList } from 'uint8arraylist';

/** A chunk stops growing at one Noise message's payload (65,535 bytes less the 16-byte tag). */
export const MAX_CHUNK = 65_519;

type Chunk = Uint8Array | Uint8ArrayList;
/** yamux's source is a pushable: readableLength is what is queued now, in bytes. */
type Source = AsyncGenerator<Chunk> & { readableLength?: number };

const endOfTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Yields what `source` queued during a turn as one chunk (order kept; a chunk may end one frame past MAX_CHUNK). */
export async function* coalesce(source: Source): AsyncGenerator<Chunk> {
  try {
    for (;;) {
      const first = await source.next();
      if (first.done) return;
      await endOfTurn();
      if (!source.readableLength) {
        yield first.value;
        continue;
      }
      const chunk = new Uint8ArrayList(first.value);
      while (source.readableLength && chunk.byteLength < MAX_CHUNK) {
        const next = await source.next();
        if (next.done) break;
        chunk.append(next.value);
      }
      yield chunk;
    }
  } finally {
    await source.return?.(undefined);
  }
}

/** A stream muxer whose connection writes are coalesced (the muxer itself is untouched). */
export function coalescing<C>(muxer: (components: C) => StreamMuxerFactory): (components: C) => StreamMuxerFactory {
  return (components) => {
    const factory = muxer(components);
    return {
      protocol: factory.protocol,
      createStreamMuxer: (init) => {
        // The muxer keeps pushing frames into its own source; the connection reads the coalesced one.
        const m: StreamMuxer = factory.createStreamMuxer(init);
        return {
          protocol: m.protocol,
          get streams() {
            return m.streams;
          },
          newStream: (name) => m.newStream(name),
          close: (options) => m.close(options),
          abort: (err) => m.abort(err),
          sink: (source) => m.sink(source),
          source: coalesce(m.source as Source),
        };
      },
    };
  };
}
