// Grant scopes (DESIGN.md): `app` covers only conversations whose context.conversationId starts with
// the site's key followed by "/"; `inbox` covers every conversation. The key names the whole origin:
// an https site on its default port is keyed by its host (`example.com/…`, the XMTP convention for
// conversation ids), any other origin by the origin itself (`http://example.com/…`,
// `https://example.com:8443/…`), so an http page never shares the https site's conversations. Also the mapping of inbox views
// to exactly the fields DESIGN lists for pages.
import type { GrantScope, ConversationView, MessageView } from '../../src/views.ts';
import type { PageConversation, PageMessage } from '../../src/provider-api.ts';

/** The `app` scope key of an origin (scheme://host[:port]). */
export function appScopeKey(origin: string): string {
  const u = new URL(origin);
  return u.protocol === 'https:' && !u.port ? u.host : u.origin;
}

export const appPrefix = (key: string): string => `${key}/`;

/** Whether a grant of `scope` to the site keyed `key` (appScopeKey) covers this conversation. */
export function inScope(scope: GrantScope, key: string, conversation: { context?: { conversationId?: string } }): boolean {
  if (scope === 'inbox') return true;
  const id = conversation.context?.conversationId;
  return typeof id === 'string' && id.startsWith(appPrefix(key));
}

/** `inbox` grants cover `app` requests; `app` grants cover only `app`. */
export const covers = (granted: GrantScope, requested: GrantScope): boolean => granted === 'inbox' || requested === 'app';

/**
 * The conversationId a new conversation gets: an `app` site's conversations always carry its prefix
 * (one it did not give is added, so "other.site/x" becomes "<key>/other.site/x"); an `inbox` site's
 * id is used as given.
 */
export function scopedConversationId(scope: GrantScope, key: string, requested: string | undefined): string | undefined {
  if (scope === 'inbox') return requested;
  const prefix = appPrefix(key);
  if (requested === undefined) return prefix;
  return requested.startsWith(prefix) ? requested : prefix + requested;
}

export function toPageConversation(v: ConversationView): PageConversation {
  const c: PageConversation = { id: v.id, peerAddress: v.peerAddress, createdAt: v.createdAt, consent: v.consent };
  if (v.context) c.context = { conversationId: v.context.conversationId, metadata: { ...(v.context.metadata ?? {}) } };
  return c;
}

export function toPageMessage(v: MessageView): PageMessage {
  const m: PageMessage = {
    id: v.id,
    conversation: v.conversation,
    senderAddress: v.senderAddress,
    sent: v.sent,
    contentType: v.contentType,
    content: v.content,
  };
  if (v.fallback !== undefined) m.fallback = v.fallback;
  return m;
}
