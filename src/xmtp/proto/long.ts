// The Long that protobufjs uses for 64-bit fields, in place of the `long` package (11 KB minified),
// which protobufjs would otherwise pull into every bundle (build.mjs aliases `long` to this file).
// protobufjs needs only: `new Long(low, high, unsigned)` when decoding, `Long.fromBits` for field
// defaults, `fromString` / `fromNumber` when a string or number is written to a 64-bit field (and
// for 64-bit map values), objects with `low`, `high` (and `unsigned`) when encoding, and `toNumber`
// when full protobufjs (the node's server/p2p/wire.ts) generates a type's converters. The rest of
// src/xmtp converts to and from bigint in proto.ts (`u64`, `toBigInt`).
export default class Long {
  /** low 32 bits, as a signed 32-bit integer (as in the `long` package) */
  readonly low: number;
  /** high 32 bits, as a signed 32-bit integer */
  readonly high: number;
  readonly unsigned: boolean;

  constructor(low: number, high: number, unsigned?: boolean) {
    this.low = low | 0;
    this.high = high | 0;
    this.unsigned = !!unsigned;
  }

  static isLong(v: unknown): v is Long {
    return v instanceof Long;
  }

  static fromBits(low: number, high: number, unsigned?: boolean): Long {
    return new Long(low, high, unsigned);
  }

  /** Two's complement modulo 2^64 (values outside the range wrap). */
  static fromBigInt(v: bigint, unsigned?: boolean): Long {
    const b = BigInt.asUintN(64, v);
    return new Long(Number(b & 0xffffffffn), Number(b >> 32n), unsigned);
  }

  /** Integer part of a finite number (anything else is 0), wrapping like fromBigInt. */
  static fromNumber(v: number, unsigned?: boolean): Long {
    return Long.fromBigInt(BigInt(Number.isFinite(v) ? Math.trunc(v) : 0), unsigned);
  }

  /** Decimal (or 0x hex) string; throws SyntaxError when it is not an integer. */
  static fromString(s: string, unsigned?: boolean): Long {
    return Long.fromBigInt(BigInt(s), unsigned);
  }

  toBigInt(): bigint {
    const v = (BigInt(this.high >>> 0) << 32n) | BigInt(this.low >>> 0);
    return this.unsigned ? v : BigInt.asIntN(64, v);
  }

  toString(): string {
    return String(this.toBigInt());
  }

  /** May lose precision above 2^53, as the `long` package's does. */
  toNumber(): number {
    return Number(this.toBigInt());
  }
}
