import { formatClock } from '../format/format';
import { useNow } from '../use-now';
import { HubStatus, type HubState } from './hub-client';
import { useHub, useHubState } from './hub-context';

/** Seconds until the next reconnect attempt, or null when none is scheduled. */
export function secondsUntilRetry(state: HubState, now: number): number | null {
  if (state.status !== HubStatus.Reconnecting || state.nextRetryAt === null) return null;
  return Math.max(0, Math.ceil((state.nextRetryAt - now) / 1000));
}

const pillText: Record<HubState['status'], string> = {
  connecting: 'Connecting…',
  open: 'Live',
  reconnecting: 'Reconnecting',
  stopped: 'Offline',
};

/** The header's connection indicator: a dot and a word, not colour alone. */
export function ConnectionPill() {
  const state = useHubState();
  const title =
    state.status === HubStatus.Open && state.connectedAt
      ? `Connected to the live stream since ${formatClock(state.connectedAt)} UTC${state.reconnects ? `, ${state.reconnects} reconnects` : ''}`
      : (state.lastError ?? undefined);
  return (
    <span className={`pill pill-${state.status}`} data-testid="connection-status" title={title}>
      <span className="dot" aria-hidden="true" />
      {pillText[state.status]}
    </span>
  );
}

/**
 * Shown while the live stream is down: why, when the next attempt is, and a button to try now.
 * What is on screen stays, marked as possibly stale; on reconnect every channel resumes from
 * its last sequence number.
 */
export function ConnectionBanner() {
  const hub = useHub();
  const state = useHubState();
  const reconnecting = state.status === HubStatus.Reconnecting;
  const now = useNow(1000, reconnecting);
  if (!reconnecting) return null;
  const seconds = secondsUntilRetry(state, now);
  return (
    <div className="banner" role="status" data-testid="disconnected-banner">
      <span>
        <strong>Live updates paused.</strong> {state.lastError ? `${capitalize(state.lastError)}. ` : ''}
        What you see may be out of date.{' '}
        <span aria-hidden="true" className="muted">
          {seconds !== null && seconds > 0 ? `Retrying in ${seconds} s` : 'Retrying…'}
          {state.attempt > 1 ? ` (attempt ${state.attempt})` : ''}
        </span>
      </span>
      <button type="button" onClick={() => hub.retryNow()} disabled={seconds === null || seconds === 0}>
        Reconnect now
      </button>
    </div>
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
