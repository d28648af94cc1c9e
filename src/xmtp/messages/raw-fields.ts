// Reads the top-level length-delimited fields of a protobuf message as raw byte ranges. Lets us
// key caches on the exact bytes of a sub-message (e.g. the sender bundle of every V2 message)
// without decoding it.
import $protobuf from '../proto/runtime.ts';
import { ProtoDecodeError } from '../proto.ts';

export function lengthDelimitedFields(bytes: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  try {
    const r = $protobuf.Reader.create(bytes);
    while (r.pos < r.len) {
      const tag = r.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire === 2) {
        const len = r.uint32();
        const start = r.pos;
        if (start + len > r.len) throw new RangeError('index out of range');
        r.skip(len);
        if (!out.has(field)) out.set(field, bytes.subarray(start, start + len));
      } else {
        r.skipType(wire);
      }
    }
  } catch (e) {
    throw new ProtoDecodeError(`invalid protobuf: ${(e as Error).message}`);
  }
  return out;
}
