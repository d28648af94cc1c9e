// The browser services the background uses, behind one small interface so the background's logic runs
// under Node tests with fakes. index.ts installs the real implementation (webextension-polyfill).
import type { SessionArea } from './session.ts';

export interface Platform {
  /** storage.session: memory-only, survives worker restarts, closed to content scripts */
  session: SessionArea;
  setBadge(text: string): Promise<void>;
  notify(id: string, title: string, message: string): Promise<void>;
  /** Whether an extension view of this kind (the popup) is open right now. */
  popupOpen(): boolean;
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

/** A platform for tests: records badge and notifications in memory. */
export function memoryPlatform(): Platform & { badge: string; notifications: { id: string; title: string; message: string }[]; popup: boolean } {
  const data = new Map<string, unknown>();
  const p = {
    badge: '',
    notifications: [] as { id: string; title: string; message: string }[],
    popup: false,
    session: {
      get: async (k: string) => (data.has(k) ? { [k]: structuredClone(data.get(k)) } : {}),
      set: async (items: Record<string, unknown>) => void Object.entries(items).forEach(([k, v]) => data.set(k, structuredClone(v))),
      remove: async (k: string) => void data.delete(k),
    },
    async setBadge(text: string) {
      p.badge = text;
    },
    async notify(id: string, title: string, message: string) {
      p.notifications.push({ id, title, message });
    },
    popupOpen: () => p.popup,
  };
  return p;
}
