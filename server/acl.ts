// Operator access control for publishing, applied after token verification: a deny-list, and an
// optional allow-list (when it has any entry, only allow-listed wallets may publish). Entries come
// from a file and/or the database table `acl`; both are reloaded without a restart (file: on change
// and every reloadMs; table: every reloadMs; both on SIGHUP via reload()).
import { readFileSync, statSync } from 'node:fs';
import { ApiError, Code } from './errors.ts';
import type { Logger } from './log.ts';
import type { AclEntry, Permission, Store } from './store/types.ts';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * File format: one entry per line, `allow 0x…` or `deny 0x…`, optional comment after the address;
 * blank lines and lines starting with # are ignored. A JSON file `{"allow": [...], "deny": [...]}`
 * is accepted too.
 */
export function parseAclFile(text: string): AclEntry[] {
  const out: AclEntry[] = [];
  const t = text.trim();
  if (t.startsWith('{')) {
    const j = JSON.parse(t) as { allow?: unknown; deny?: unknown };
    for (const permission of ['allow', 'deny'] as const) {
      const list = j[permission] ?? [];
      if (!Array.isArray(list)) throw new Error(`acl file: "${permission}" must be an array`);
      for (const a of list) {
        if (typeof a !== 'string' || !ADDRESS.test(a)) throw new Error(`acl file: invalid address ${JSON.stringify(a)}`);
        out.push({ address: a.toLowerCase(), permission, comment: '' });
      }
    }
    return out;
  }
  text.split('\n').forEach((line, i) => {
    const s = line.trim();
    if (!s || s.startsWith('#')) return;
    const [perm, addr, ...rest] = s.split(/\s+/);
    if ((perm !== 'allow' && perm !== 'deny') || !addr || !ADDRESS.test(addr)) {
      throw new Error(`acl file line ${i + 1}: expected "allow|deny 0x<40 hex>", got ${JSON.stringify(s.slice(0, 80))}`);
    }
    out.push({ address: addr.toLowerCase(), permission: perm as Permission, comment: rest.join(' ') });
  });
  return out;
}

export class AccessControl {
  private allow = new Set<string>();
  private deny = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private fileMtime = -1;
  private fileEntries: AclEntry[] = [];
  private dbEntries: AclEntry[] = [];

  constructor(private opts: { store: Store; file?: string; reloadMs?: number; log: Logger }) {}

  async start(): Promise<void> {
    await this.reload();
    const ms = this.opts.reloadMs ?? 5000;
    if (ms > 0) {
      this.timer = setInterval(() => void this.reload(), ms);
      this.timer.unref();
    }
  }

  /** Re-reads the file (if changed, or when forced) and the table. Errors keep the previous lists. */
  async reload(force = false): Promise<void> {
    const { file, store, log } = this.opts;
    if (file) {
      try {
        const mtime = statSync(file).mtimeMs;
        if (force || mtime !== this.fileMtime) {
          this.fileEntries = parseAclFile(readFileSync(file, 'utf8'));
          this.fileMtime = mtime;
          log.info('acl file loaded', { file, entries: this.fileEntries.length });
        }
      } catch (err) {
        log.error('acl file not loaded; keeping the previous list', { file, err: String(err) });
      }
    }
    try {
      this.dbEntries = await store.aclList();
    } catch (err) {
      log.error('acl table not loaded; keeping the previous list', { err: String(err) });
    }
    const allow = new Set<string>();
    const deny = new Set<string>();
    for (const e of [...this.fileEntries, ...this.dbEntries]) (e.permission === 'allow' ? allow : deny).add(e.address);
    this.allow = allow;
    this.deny = deny;
  }

  isAllowListed(wallet: string): boolean {
    return this.allow.has(wallet.toLowerCase());
  }

  /** The deny list alone (it also applies to envelopes relayed by other nodes; the allow list does not). */
  isDenied(wallet: string): boolean {
    return this.deny.has(wallet.toLowerCase());
  }

  /** Throws PERMISSION_DENIED if the wallet may not publish. */
  check(wallet: string): void {
    const w = wallet.toLowerCase();
    if (this.deny.has(w)) throw new ApiError(Code.PERMISSION_DENIED, 'wallet is deny listed');
    if (this.allow.size && !this.allow.has(w)) throw new ApiError(Code.PERMISSION_DENIED, 'wallet is not allow listed');
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
