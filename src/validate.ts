// Small runtime validators for data crossing a trust boundary (a port, the page). Each check returns the
// value typed, or throws RpcError -32602 naming the offending field. Unknown object keys are dropped, so
// a handler only ever sees the fields it declared.
import { ErrorCode, RpcError } from './rpc.ts';
import { ADDRESS_PATTERN } from './xmtp/crypto/address.ts';
import { CONTENT_TYPE_PATTERN } from './xmtp/content/content-type.ts';

export type Check<T> = (v: unknown, path: string) => T;

const fail = (path: string, what: string): never => {
  throw new RpcError(ErrorCode.invalidParams, `${path || 'params'} ${what}`);
};

export function str(opts: { min?: number; max?: number; pattern?: RegExp; what?: string } = {}): Check<string> {
  const { min = 0, max = 10_000, pattern, what } = opts;
  return (v, path) => {
    if (typeof v !== 'string') return fail(path, 'must be a string');
    if (v.length < min) return fail(path, min === 1 ? 'must not be empty' : `must be at least ${min} characters`);
    if (v.length > max) return fail(path, `must be at most ${max} characters`);
    if (pattern && !pattern.test(v)) return fail(path, `must be ${what ?? `like ${pattern}`}`);
    return v;
  };
}

export function int(opts: { min?: number; max?: number } = {}): Check<number> {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = opts;
  return (v, path) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return fail(path, 'must be an integer');
    if (v < min || v > max) return fail(path, `must be between ${min} and ${max}`);
    return v;
  };
}

export const bool: Check<boolean> = (v, path) => (typeof v === 'boolean' ? v : fail(path, 'must be true or false'));

export function oneOf<const T extends readonly (string | number)[]>(values: T): Check<T[number]> {
  return (v, path) => (values.includes(v as T[number]) ? (v as T[number]) : fail(path, `must be one of ${values.join(', ')}`));
}

export function optional<T>(check: Check<T>): Check<T | undefined> {
  return (v, path) => (v === undefined ? undefined : check(v, path));
}

export function arrayOf<T>(check: Check<T>, opts: { min?: number; max?: number } = {}): Check<T[]> {
  const { min = 0, max = 1000 } = opts;
  return (v, path) => {
    if (!Array.isArray(v)) return fail(path, 'must be an array');
    if (v.length < min) return fail(path, `must have at least ${min} item${min === 1 ? '' : 's'}`);
    if (v.length > max) return fail(path, `must have at most ${max} items`);
    return v.map((x, i) => check(x, `${path}[${i}]`));
  };
}

export function recordOf<T>(check: Check<T>, opts: { maxKeys?: number; maxKeyLength?: number } = {}): Check<Record<string, T>> {
  const { maxKeys = 100, maxKeyLength = 200 } = opts;
  return (v, path) => {
    if (!isPlainObject(v)) return fail(path, 'must be an object');
    const keys = Object.keys(v);
    if (keys.length > maxKeys) return fail(path, `must have at most ${maxKeys} keys`);
    const out: Record<string, T> = {};
    for (const k of keys) {
      if (k.length > maxKeyLength) fail(`${path}.${k.slice(0, 20)}…`, 'key is too long');
      out[k] = check(v[k], `${path}.${k}`);
    }
    return out;
  };
}

type Shape = Record<string, Check<unknown>>;
type FromShape<S extends Shape> = { [K in keyof S as undefined extends ReturnType<S[K]> ? never : K]: ReturnType<S[K]> } & {
  [K in keyof S as undefined extends ReturnType<S[K]> ? K : never]?: ReturnType<S[K]>;
};

export function obj<S extends Shape>(shape: S): Check<FromShape<S>> {
  return (v, path) => {
    if (!isPlainObject(v)) return fail(path, 'must be an object');
    const out: Record<string, unknown> = {};
    for (const [k, check] of Object.entries(shape)) {
      const value = check(v[k], path ? `${path}.${k}` : k);
      if (value !== undefined) out[k] = value;
    }
    return out as FromShape<S>;
  };
}

/** No params at all (undefined, or an empty object some callers send). */
export const none: Check<undefined> = (v, path) =>
  v === undefined || v === null || (isPlainObject(v) && Object.keys(v).length === 0) ? undefined : fail(path, 'takes no params');

/** Any JSON-like value, bounded in size (for content whose shape depends on a content type). */
export function json(opts: { maxBytes?: number } = {}): Check<{} | null> {
  const { maxBytes = 1_000_000 } = opts;
  return (v, path) => {
    let text: string | undefined;
    try {
      text = JSON.stringify(v);
    } catch {
      return fail(path, 'must be JSON data');
    }
    if (text === undefined) return fail(path, 'is required');
    if (text.length > maxBytes) return fail(path, `is larger than ${maxBytes} bytes`);
    return v as {} | null;
  };
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** An http(s) URL with a host: what a node URL may look like (the background normalises it). */
/** Most nodes an account's list (Settings › Nodes) holds: each is tried in turn when the ones before it do not answer. */
export const MAX_NODES = 8;
export const NODE_URL_PATTERN = /^https?:\/\/[^\s/]+(\/\S*)?$/;
export const nodeUrl: Check<string> = str({ min: 1, max: 2048, pattern: NODE_URL_PATTERN, what: 'an http:// or https:// URL' });
export const contentType: Check<string> = str({ min: 3, max: 200, pattern: CONTENT_TYPE_PATTERN, what: 'authority/type:major.minor' });

export const address: Check<string> = str({ pattern: ADDRESS_PATTERN, what: 'an Ethereum address (0x followed by 40 hex digits)' });
/** XMTP topics are at most 300 characters (node rule) and printable ASCII. */
export const topic: Check<string> = str({ min: 1, max: 300, pattern: /^\/xmtp\/0\/[\x21-\x7e]+\/proto$/, what: 'an XMTP conversation topic' });
