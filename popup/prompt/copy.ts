// The prompt's words, in one place: what a site asks for, said plainly.
import type { GrantScope } from '../../src/views.ts';

export function hostOf(origin: string): string {
  try {
    return new URL(origin).host;
  } catch {
    return origin;
  }
}

/** What a grant lets the site do, one line each. */
export function scopeLines(scope: GrantScope, origin: string): string[] {
  const host = hostOf(origin);
  if (scope === 'inbox') {
    return [
      'See your XMTP address.',
      'Read all your conversations and messages, including those started elsewhere.',
      'Send messages and start conversations as you, with anyone.',
      'Check which addresses can receive XMTP messages.',
    ];
  }
  return [
    'See your XMTP address.',
    `Start conversations for ${host} and read and send messages in them (conversations tagged “${host}/…”).`,
    'Check which addresses can receive XMTP messages.',
    'It cannot see your other conversations.',
  ];
}

export function consentLine(state: 'allowed' | 'denied', peer: string): string {
  return state === 'allowed'
    ? `Allow messages from ${peer}: their conversations move to your Messages.`
    : `Block ${peer}: their messages move to Blocked and you get no notifications from them.`;
}
