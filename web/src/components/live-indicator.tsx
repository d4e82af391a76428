// Says whether the artifact list on screen follows the live feed right now.
import type { FeedStatus } from '../resumable-feed.ts';

const labels: Record<FeedStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  'needs-token': 'Not live: live updates need the access token',
  failed: 'Not live: the server refused the live feed',
};

export function LiveIndicator({ status }: { status: FeedStatus }) {
  return (
    <span class={`live live-${status}`} role="status" data-status={status}>
      {labels[status]}
    </span>
  );
}
