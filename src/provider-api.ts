// The window.xmtp contract (DESIGN.md, "The dapp provider"): method names dapps may call.
export const PROVIDER_METHODS = [
  'xmtp_connect',
  'xmtp_accounts',
  'xmtp_disconnect',
  'xmtp_canMessage',
  'xmtp_listConversations',
  'xmtp_newConversation',
  'xmtp_listMessages',
  'xmtp_sendMessage',
  'xmtp_subscribe',
  'xmtp_unsubscribe',
  'xmtp_setConsent',
] as const;
export type ProviderMethod = (typeof PROVIDER_METHODS)[number];
export const isProviderMethod = (m: string): m is ProviderMethod => (PROVIDER_METHODS as readonly string[]).includes(m);
