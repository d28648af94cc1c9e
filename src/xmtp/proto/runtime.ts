// The protobufjs runtime for src/xmtp: protobufjs/minimal with our small Long (./long.ts) for
// 64-bit fields. The generated code imports this module (scripts/gen-proto.mjs passes it as pbjs'
// --dependency), so Long is in place before any message type is defined (prototype defaults of
// uint64 fields are Longs) — in Node, where protobufjs finds the `long` package, as in the
// extension, where build.mjs aliases `long` to ./long.ts and protobufjs finds none.
import $protobuf from 'protobufjs/minimal.js';
import Long from './long.ts';

$protobuf.util.Long = Long as unknown as typeof $protobuf.util.Long;
// Re-derives what depends on util.Long (LongBits, Reader#uint64 returning Longs rather than numbers).
$protobuf.configure();

export default $protobuf;
