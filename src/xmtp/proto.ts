// Protobuf codec layer: the statically generated (eval-free) encoders/decoders for our .proto
// files, plus helpers for uint64 fields. Decoded uint64 values are `Long`s (./proto/long.ts); the
// rest of src/xmtp works with bigint nanoseconds / number milliseconds and converts here.
import $protobuf from './proto/runtime.ts';
import Long from './proto/long.ts';
import { xmtp } from './proto/generated.js';
import { XmtpError } from './errors.ts';
import { plainBytes } from './crypto/bytes.ts';

export { xmtp, Long };
/** `xmtp.message_contents` */
export const mc = xmtp.message_contents;
/** `xmtp.message_api.v1` */
export const api = xmtp.message_api.v1;

// Type aliases for the messages other modules (and the node) handle most.
export type Signature = xmtp.message_contents.Signature.$Properties;
export type PublicKey = xmtp.message_contents.PublicKey.$Properties;
export type PublicKeyBundle = xmtp.message_contents.PublicKeyBundle.$Properties;
export type SignedPublicKey = xmtp.message_contents.SignedPublicKey.$Properties;
export type SignedPublicKeyBundle = xmtp.message_contents.SignedPublicKeyBundle.$Properties;
export type PrivateKey = xmtp.message_contents.PrivateKey.$Properties;
export type PrivateKeyBundleV1 = xmtp.message_contents.PrivateKeyBundleV1.$Properties;
export type Ciphertext = xmtp.message_contents.Ciphertext.$Properties;
export type EncodedContentProto = xmtp.message_contents.EncodedContent.$Properties;
export type InvitationV1 = xmtp.message_contents.InvitationV1.$Properties;
export type InvitationContext = xmtp.message_contents.InvitationV1.Context.$Properties;
export type ConsentProofPayload = xmtp.message_contents.ConsentProofPayload.$Properties;
export type Envelope = xmtp.message_api.v1.Envelope.$Properties;
export type Token = xmtp.message_api.v1.Token.$Properties;
export type AuthData = xmtp.message_api.v1.AuthData.$Properties;

/** bigint/number → unsigned Long for uint64 fields. */
export function u64(v: bigint | number): Long {
  const b = BigInt(v);
  if (b < 0n || b > 0xffffffffffffffffn) throw new RangeError('uint64 out of range');
  return Long.fromBigInt(b, true);
}

/** Decoded uint64 (Long, number, decimal string or absent) → bigint. */
export function toBigInt(v: Long | number | string | bigint | null | undefined): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string') return BigInt(v);
  return (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
}

/** uint64 → JS number, for values known to fit (millisecond timestamps). */
export function toNumber(v: Long | number | string | bigint | null | undefined): number {
  return Number(toBigInt(v));
}

interface Encodable<T> {
  encode(message: T, writer?: $protobuf.Writer): $protobuf.Writer;
}
interface Decodable<T> {
  decode(reader: $protobuf.Reader | Uint8Array): T;
}

export function encode<T>(type: Encodable<T>, message: T): Uint8Array {
  // The array writer (not Node's Buffer writer, which Writer.create() picks in Node): plain
  // Uint8Arrays everywhere and cheaper allocation.
  return type.encode(message, new $protobuf.Writer()).finish();
}

/** Decodes and rethrows protobufjs errors as ProtoDecodeError (callers reject per message). */
export function decode<T>(type: Decodable<T>, bytes: Uint8Array): T {
  try {
    // A plain Uint8Array makes protobufjs return plain subarrays for bytes fields, as in browsers.
    return type.decode(plainBytes(bytes));
  } catch (e) {
    throw new ProtoDecodeError(`invalid protobuf: ${(e as Error).message}`);
  }
}

export class ProtoDecodeError extends XmtpError {
  constructor(message: string) {
    super('invalid_protobuf', message);
    this.name = 'ProtoDecodeError';
  }
}
