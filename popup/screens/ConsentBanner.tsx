// What a conversation's consent state asks of the person: a request can be allowed (it moves to
// Messages) or blocked; a blocked address can be allowed again.
import type { ConsentState } from '../../src/views.ts';

export function ConsentBanner({ consent, onSet }: { consent: ConsentState | undefined; onSet: (state: 'allowed' | 'denied') => void }) {
  if (consent === 'unknown') {
    return (
      <div class="banner" role="region" aria-label="Message request">
        <p>This address is not in your contacts yet. Allow it to move the conversation to Messages, or block it.</p>
        <div class="banner-actions">
          <button type="button" class="btn primary small" onClick={() => onSet('allowed')}>
            Allow
          </button>
          <button type="button" class="btn danger small" onClick={() => onSet('denied')}>
            Block
          </button>
        </div>
      </div>
    );
  }
  if (consent === 'denied') {
    return (
      <div class="banner" role="region" aria-label="Blocked">
        <p>You blocked this address. Its messages stay out of your inbox and never notify you.</p>
        <div class="banner-actions">
          <button type="button" class="btn small" onClick={() => onSet('allowed')}>
            Allow
          </button>
        </div>
      </div>
    );
  }
  return null;
}
