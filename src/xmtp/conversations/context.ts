// What conversations need from the client (kept as an interface to avoid import cycles).
import type { ApiClient } from '../api/api-client.ts';
import type { Contacts } from '../consent/contacts.ts';
import type { ContactDirectory } from '../contacts.ts';
import type { ContentRegistry } from '../content/registry.ts';
import type { PrivateKeyBundle } from '../keys/private-key-bundle.ts';
import type { XmtpStorage } from '../storage/types.ts';
import type { SyncEngine } from '../sync/engine.ts';
import type { RequestQuota } from '../sync/messages.ts';

export interface ClientContext {
  /** EIP-55 */
  readonly address: string;
  readonly keys: PrivateKeyBundle;
  readonly api: ApiClient;
  readonly storage: XmtpStorage;
  readonly registry: ContentRegistry;
  readonly contacts: Contacts;
  readonly directory: ContactDirectory;
  /** the one sync engine of this client: every topic's position */
  readonly sync: SyncEngine;
  /** what requests and blocked peers may store */
  readonly quota: RequestQuota;
  now(): number;
  /** V1 peers this client instance already sent an introduction to (spec 8.3) */
  readonly introducedPeers: Set<string>;
}

/** Per-message rejection, reported to `onError` of lists and streams. */
export interface MessageError {
  error: import('../errors.ts').XmtpError;
  envelope: import('../api/types.ts').Envelope;
}
export type OnMessageError = (e: MessageError) => void;
