// The server's replays as the `replays` channel carries them (docs/streams.md): epoch-ms times.

export const ReplayState = {
  Running: 'running',
  Paused: 'paused',
  Finished: 'finished',
  Stopped: 'stopped',
  Failed: 'failed',
} as const;
export type ReplayState = (typeof ReplayState)[keyof typeof ReplayState];

export interface Replay {
  id: string;
  source: string;
  file: string | null;
  symbols: string[] | null;
  store: boolean;
  state: ReplayState;
  speed: number | 'max';
  rebase: boolean;
  loop: boolean;
  startTs: number | null;
  endTs: number | null;
  positionTs: number | null;
  played: number;
  total: number;
  sent: number;
  accepted: number;
  rejected: number;
  rounds: number;
  error: string | null;
  createdAt: number;
}

/** A file `GET /api/replays/files` offers, with the `map` it needs. */
export interface ReplayFile {
  file: string;
  sizeBytes: number;
  map: string | null;
}

/** Speeds the control offers: real time up to a thousand times faster, or as fast as taken. */
export const SPEEDS = [1, 2, 5, 10, 30, 60, 100, 300, 1000, 'max'] as const;

export function speedLabel(speed: number | 'max'): string {
  return speed === 'max' ? 'max' : `${speed}×`;
}

export function isActive(replay: Replay): boolean {
  return replay.state === ReplayState.Running || replay.state === ReplayState.Paused;
}

function isReplay(value: unknown): value is Replay {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r.id === 'string' && typeof r.state === 'string' && typeof r.total === 'number';
}

/** The list after a channel snapshot (all replays) or update (one replay), newest first. */
export function applyReplayMessage(
  list: readonly Replay[],
  type: 'snapshot' | 'update',
  data: unknown,
): Replay[] {
  if (type === 'snapshot') {
    const all = Array.isArray(data) ? data.filter(isReplay) : [];
    return all.sort((a, b) => b.createdAt - a.createdAt);
  }
  if (!isReplay(data)) return [...list];
  const rest = list.filter((r) => r.id !== data.id);
  return [data, ...rest].sort((a, b) => b.createdAt - a.createdAt);
}

/** The replay the control shows: the newest active one, else the newest. */
export function currentReplay(list: readonly Replay[]): Replay | null {
  return list.find(isActive) ?? list[0] ?? null;
}

/** Share of the recording played, 0…1. */
export function progressShare(replay: Replay): number {
  const { startTs, endTs, positionTs } = replay;
  if (startTs === null || endTs === null || positionTs === null || endTs <= startTs)
    return replay.total > 0 ? replay.played / replay.total : 0;
  return Math.min(1, Math.max(0, (positionTs - startTs) / (endTs - startTs)));
}

/** `datetime-local` text (UTC) → epoch ms, undefined when empty or invalid. */
export function utcInputToMs(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const ms = Date.parse(`${text}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}
