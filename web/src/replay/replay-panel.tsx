import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';

import { useServices, useSession } from '../auth/session-context';
import { formatBytes, formatCount, formatDateTime } from '../format/format';
import { useChannel } from '../stream/hub-context';
import {
  applyReplayMessage,
  currentReplay,
  isActive,
  progressShare,
  ReplayState,
  SPEEDS,
  speedLabel,
  utcInputToMs,
  type Replay,
  type ReplayFile,
} from './replay-model';

/** Seeking waits this long after the slider stops moving, so dragging sends one request. */
const SEEK_DEBOUNCE_MS = 300;

type Speed = (typeof SPEEDS)[number];

function parseSpeed(value: string): Speed {
  return value === 'max' ? 'max' : (Number(value) as Speed);
}

/**
 * Replays of recorded markets (`/api/replays`): start one from a file on the server or from the
 * stored ticks of some symbols, at 1× to 1000× (or max), then pause, resume, change speed and seek
 * on its timeline. State and progress come from the `replays` channel; what it plays shows on
 * the board, the chart and the anomaly feed like live data. Readers see it; writers run it.
 */
export function ReplayPanel() {
  const id = useId();
  const { api } = useServices();
  const session = useSession();
  const canRun = session?.user.role === 'writer' || session?.user.role === 'admin';
  const [replays, setReplays] = useState<Replay[]>([]);
  useChannel('replays', (event) => {
    if (event.type === 'gap') return;
    setReplays((list) => applyReplayMessage(list, event.type, event.data));
  });
  const files = useQuery({
    queryKey: ['replay-files'],
    queryFn: ({ signal }) => api.get<ReplayFile[]>('/api/replays/files', undefined, signal),
    enabled: canRun,
  });

  const [kind, setKind] = useState<'file' | 'stored'>('file');
  const [file, setFile] = useState('');
  const [symbols, setSymbols] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [speed, setSpeed] = useState<Speed>(100);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const chosenFile = file || files.data?.[0]?.file || '';
  const current = currentReplay(replays);

  const run = useCallback(async (action: () => Promise<unknown>) => {
    setError(null);
    setBusy(true);
    try {
      await action();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }, []);

  const start = (event: FormEvent) => {
    event.preventDefault();
    const body: Record<string, unknown> = { speed };
    if (kind === 'file') {
      body.file = chosenFile;
      const map = files.data?.find((f) => f.file === chosenFile)?.map;
      if (map) body.map = map;
    } else {
      body.symbols = symbols
        .split(/[\s,]+/)
        .map((s) => s.trim())
        .filter(Boolean);
      const fromMs = utcInputToMs(from);
      const toMs = utcInputToMs(to);
      if (fromMs !== undefined) body.from = fromMs;
      if (toMs !== undefined) body.to = toMs;
    }
    void run(() => api.post('/api/replays', body));
  };

  const patch = (change: Record<string, unknown>) =>
    current && run(() => api.patch(`/api/replays/${current.id}`, change));

  return (
    <section className="panel replay-panel" aria-labelledby={`${id}-title`} data-testid="replay-panel">
      <header className="panel-header">
        <h2 id={`${id}-title`}>Replay</h2>
        {current && (
          <span className={`replay-state ${current.state}`} data-testid="replay-state">
            {current.state}
          </span>
        )}
      </header>
      <div className="replay-body">
        {current && (
          <ReplayControl
            replay={current}
            canRun={canRun}
            busy={busy}
            onPatch={patch}
            onStop={() => void run(() => api.delete(`/api/replays/${current.id}`))}
          />
        )}
        {canRun && (!current || !isActive(current)) && (
          <form className="replay-form" onSubmit={start} aria-label="Start a replay">
            <div className="replay-row">
              <label>
                <span>From</span>
                <select value={kind} onChange={(e) => setKind(e.target.value as 'file' | 'stored')}>
                  <option value="file">a file</option>
                  <option value="stored">stored ticks</option>
                </select>
              </label>
              <label>
                <span>Speed</span>
                <select
                  aria-label="Start speed"
                  value={String(speed)}
                  onChange={(e) => setSpeed(parseSpeed(e.target.value))}
                >
                  {SPEEDS.map((s) => (
                    <option key={s} value={String(s)}>
                      {speedLabel(s)}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            {kind === 'file' ? (
              <label className="replay-wide">
                <span>File</span>
                <select aria-label="Replay file" value={chosenFile} onChange={(e) => setFile(e.target.value)}>
                  {(files.data ?? []).map((f) => (
                    <option key={f.file} value={f.file}>
                      {f.file} ({formatBytes(f.sizeBytes)})
                    </option>
                  ))}
                </select>
              </label>
            ) : (
              <>
                <label className="replay-wide">
                  <span>Symbols</span>
                  <input
                    aria-label="Replay symbols"
                    placeholder="AAPL, BTCUSD"
                    value={symbols}
                    onChange={(e) => setSymbols(e.target.value)}
                  />
                </label>
                <div className="replay-row">
                  <label>
                    <span>From (UTC)</span>
                    <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
                  </label>
                  <label>
                    <span>To (UTC)</span>
                    <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
                  </label>
                </div>
              </>
            )}
            <button type="submit" disabled={busy || (kind === 'file' ? !chosenFile : symbols.trim() === '')}>
              Start replay
            </button>
          </form>
        )}
        {!canRun && !current && <p className="muted small">No replay. A writer can start one.</p>}
        {error && (
          <p className="state error" role="alert">
            {error}
          </p>
        )}
      </div>
    </section>
  );
}

function ReplayControl({
  replay,
  canRun,
  busy,
  onPatch,
  onStop,
}: {
  replay: Replay;
  canRun: boolean;
  busy: boolean;
  onPatch: (change: Record<string, unknown>) => void;
  onStop: () => void;
}) {
  const active = isActive(replay);
  const [draft, setDraft] = useState<number | null>(null);
  const onPatchRef = useRef(onPatch);
  useEffect(() => {
    onPatchRef.current = onPatch;
  });
  useEffect(() => {
    if (draft === null) return undefined;
    const timer = setTimeout(() => {
      onPatchRef.current({ position: draft });
      setDraft(null);
    }, SEEK_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [draft]);
  const share = progressShare(replay);
  const position = draft ?? replay.positionTs ?? replay.startTs ?? 0;
  const what = replay.file ?? replay.symbols?.join(', ') ?? replay.id;
  return (
    <div className="replay-control" data-testid="replay-control" data-replay={replay.id}>
      <p className="replay-what" title={what}>
        {what}
      </p>
      <input
        type="range"
        className="replay-timeline"
        aria-label="Replay position"
        min={replay.startTs ?? 0}
        max={replay.endTs ?? 0}
        step={1000}
        value={position}
        disabled={!canRun || !active}
        onChange={(e) => setDraft(Number(e.target.value))}
        data-position={replay.positionTs ?? ''}
      />
      <div className="replay-meta">
        <span data-testid="replay-position">{formatDateTime(position)}</span>
        <span className="muted">{Math.round(share * 100)}%</span>
        <span className="muted">
          {formatCount(replay.accepted)} / {formatCount(replay.sent)} accepted
        </span>
      </div>
      {canRun && active && (
        <div className="replay-row">
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              onPatch({
                state: replay.state === ReplayState.Running ? ReplayState.Paused : ReplayState.Running,
              })
            }
          >
            {replay.state === ReplayState.Running ? 'Pause' : 'Resume'}
          </button>
          <select
            aria-label="Replay speed"
            value={String(replay.speed)}
            disabled={busy}
            onChange={(e) => onPatch({ speed: e.target.value === 'max' ? 'max' : Number(e.target.value) })}
          >
            {(SPEEDS as readonly (number | 'max')[]).includes(replay.speed) ? null : (
              <option value={String(replay.speed)}>{speedLabel(replay.speed)}</option>
            )}
            {SPEEDS.map((s) => (
              <option key={s} value={String(s)}>
                {speedLabel(s)}
              </option>
            ))}
          </select>
          <button type="button" className="quiet" disabled={busy} onClick={onStop}>
            Stop
          </button>
        </div>
      )}
      {replay.error && <p className="state error">{replay.error}</p>}
    </div>
  );
}
