// Says plainly that the node cannot be reached and what that means: the cached messages stay readable
// and sends wait in the outbox until it is back; the technical reason is one click away. While the
// inbox works through a later node of Settings › Nodes because the earlier ones do not answer, it says
// which node is in use instead (a status, not an alert: nothing is wrong for the user).
import { useStore } from '../state.ts';
import type { NodeConnection } from '../connection.ts';
import { formatClock } from '../lib/format.ts';
import { Details } from './ui.tsx';

export function OfflineBanner({ connection, syncProblem, onRetry }: { connection: NodeConnection; syncProblem?: string | null; onRetry?: () => void }) {
  const c = useStore(connection.store);
  const failover = c.node?.failover;
  if (c.online && !syncProblem && c.node && failover) {
    return (
      <div class="banner warn node-notice" role="status">
        <div class="banner-text">
          <span>
            Using node {c.node.url}: {failover.from} does not answer.
          </span>
          <Details text={[`since ${formatClock(failover.at)}`, failover.reason].filter(Boolean).join(' · ')} />
        </div>
      </div>
    );
  }
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
