// Grant scopes (DESIGN.md): `app` covers only conversations whose context.conversationId starts with
// the site's host followed by "/"; `inbox` covers every conversation. Also the mapping of inbox views
// to exactly the fields DESIGN lists for pages.
import type { GrantScope, ConversationView, MessageView } from '../../src/views.ts';
import type { PageConversation, PageMessage } from '../../src/provider-api.ts';

export const appPrefix = (host: string): string => `${host}/`;

/** Whether a grant of `scope` to the site `host` covers this conversation. */
export function inScope(scope: GrantScope, host: string, conversation: { context?: { conversationId?: string } }): boolean {
  if (scope === 'inbox') return true;
  const id = conversation.context?.conversationId;
  return typeof id === 'string' && id.startsWith(appPrefix(host));
}

/** `inbox` grants cover `app` requests; `app` grants cover only `app`. */
export const covers = (granted: GrantScope, requested: GrantScope): boolean => granted === 'inbox' || requested === 'app';

/**
 * The conversationId a new conversation gets: an `app` site's conversations always carry its prefix
 * (one it did not give is added, so "other.site/x" becomes "<host>/other.site/x"); an `inbox` site's
 * id is used as given.
 */
export function scopedConversationId(scope: GrantScope, host: string, requested: string | undefined): string | undefined {
  if (scope === 'inbox') return requested;
  const prefix = appPrefix(host);
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
