// The browser services the background uses, behind one small interface so the background's logic runs
// under Node tests with fakes (tests/background/setup.ts). index.ts installs the browser's.
import type { SessionArea } from './session.ts';

export interface Platform {
  /** storage.session: memory-only, survives worker restarts, closed to content scripts */
  session: SessionArea;
  setBadge(text: string): Promise<void>;
  /** `icon`: a data: URL (the sender's avatar) instead of the extension's icon */
  notify(id: string, title: string, message: string, icon?: string): Promise<void>;
  /** Whether an extension view of this kind (the popup) is open right now. */
  popupOpen(): boolean;
  /**
   * Tells the browser the background is busy, where its own activity does not count: a keep-alive on
   * the live connection (a Firefox event page ignores WebSocket traffic), a reconnect attempt while
   * the node is down (no traffic at all).
   */
  keepAwake?(why: 'keepalive' | 'retry'): void;
  /**
   * The addresses a host name points to, where the browser tells (Firefox's dns API; Chrome has none),
   * so a public-looking name that resolves to this machine or the local network is refused too.
   */
  resolveHost?(hostname: string): Promise<string[]>;
  /** The libsecp256k1 WebAssembly shipped in the package, if this platform has it. */
  secp256k1Wasm?(): Promise<BufferSource>;
}

let current: Platform | undefined;

export function setPlatform(p: Platform): void {
  current = p;
}

export function platform(): Platform {
  if (!current) throw new Error('platform not initialised');
  return current;
}
