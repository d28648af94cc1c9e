// Says plainly that the node cannot be reached and what that means: the cached messages stay readable
// and sends wait in the outbox until it is back; the technical reason is one click away.
import { useStore } from '../state.ts';
import type { NodeConnection } from '../connection.ts';
import { formatClock } from '../lib/format.ts';
import { Details } from './ui.tsx';

export function OfflineBanner({ connection, syncProblem, onRetry }: { connection: NodeConnection; syncProblem?: string | null; onRetry?: () => void }) {
  const c = useStore(connection.store);
  if (c.online && !syncProblem) return null;
  return (
    <div class="banner warn" role="alert">
      <div class="banner-text">
        {!c.online ? (
          <span>Offline: cannot reach the XMTP node. Showing saved messages; what you send goes out as soon as it is back.</span>
        ) : (
          <span>Offline: {syncProblem} Showing saved messages.</span>
        )}
        {!c.online && <Details text={[c.since && `since ${formatClock(c.since)}`, c.detail].filter(Boolean).join(' · ') || 'no answer from the node'} />}
      </div>
      {onRetry && (
        <button type="button" class="btn small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}
