import { useQuery } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';

import type { Metrics } from '../api-types';
import { useServices } from '../auth/session-context';
import type { BoardStore } from '../board/board-store';
import {
  formatBytes,
  formatClock,
  formatCompact,
  formatCount,
  formatDecimal,
  formatPercent,
} from '../format/format';
import { HubStatus } from '../stream/hub-client';
import { useHubState } from '../stream/hub-context';
import {
  clusterSummary,
  findLag,
  flattenMetrics,
  ingestBreakdown,
  ratePerSecond,
  type MetricEntry,
  type RateSample,
} from './metrics-model';

export const METRICS_POLL_MS = 3000;

/** The stream's state in one short word, to fit a tile. */
const streamWord: Record<HubStatus, string> = {
  open: 'live',
  connecting: 'opening',
  reconnecting: 'retrying',
  stopped: 'off',
};
const RATE_SAMPLE_MS = 2000;

/** Ticks per second seen on the stream: the growth of all symbols' update counts. */
function useStreamRate(store: BoardStore): number | null {
  const [rate, setRate] = useState<number | null>(null);
  const previous = useRef<RateSample | null>(null);
  useEffect(() => {
    const timer = setInterval(() => {
      const sample = { at: Date.now(), total: store.totalUpdates() };
      if (store.loaded) setRate(ratePerSecond(previous.current, sample));
      previous.current = sample;
    }, RATE_SAMPLE_MS);
    return () => clearInterval(timer);
  }, [store]);
  return rate;
}

function Stat({
  label,
  value,
  detail,
  tone,
}: {
  label: string;
  value: string;
  detail?: string;
  tone?: string;
}) {
  return (
    <div className={`stat${tone ? ` ${tone}` : ''}`}>
      <dt>{label}</dt>
      <dd>
        <span className="stat-value">{value}</span>
        {detail && <span className="stat-detail">{detail}</span>}
      </dd>
    </div>
  );
}

/** A titled list of open-ended metrics; nothing when there are none. */
function MetricList({ title, entries }: { title: string; entries: readonly MetricEntry[] }) {
  if (entries.length === 0) return null;
  return (
    <>
      <h3>{title}</h3>
      <dl className="kv">
        {entries.map((entry) => (
          <div key={entry.key}>
            <dt>{entry.label}</dt>
            <dd>{entry.value}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}

/** Throughput, accepted against rejected, queues, storage and connections: `/api/metrics` and the stream. */
export function SystemPanel({ store }: { store: BoardStore }) {
  const id = useId();
  const { api } = useServices();
  const hub = useHubState();
  const streamRate = useStreamRate(store);
  const metrics = useQuery({
    queryKey: ['metrics'],
    queryFn: ({ signal }) => api.get<Metrics>('/api/metrics', undefined, signal),
    refetchInterval: METRICS_POLL_MS,
  });
  const data = metrics.data;
  const breakdown = data ? ingestBreakdown(data) : null;
  const lag = findLag(data?.storage);
  const storage = flattenMetrics(data?.storage);
  const connections = flattenMetrics(data?.connections);
  const disk = data?.disk;
  const growth = disk?.growthBytesPerHour;
  const cluster = data?.cluster;
  const clusterView = cluster ? clusterSummary(cluster) : null;

  return (
    <section className="panel system-panel" aria-labelledby={`${id}-title`} data-testid="system-panel">
      <header className="panel-header">
        <h2 id={`${id}-title`}>System</h2>
        <span className="muted hint-right">
          {metrics.dataUpdatedAt ? `updated ${formatClock(metrics.dataUpdatedAt)} UTC` : ''}
        </span>
      </header>
      <div className="system-scroll">
        {metrics.isError && (
          <p className="state error" role={data ? undefined : 'alert'}>
            {data
              ? 'The last metrics update failed; showing the previous figures.'
              : `Metrics cannot be loaded: ${metrics.error.message}`}
          </p>
        )}
        {metrics.isPending && <p className="state">Loading metrics…</p>}
        <dl className="stats-grid">
          <Stat
            label="Ticks/s"
            value={data ? formatCompact(data.throughputPerSecond) : '–'}
            detail={streamRate === null ? undefined : `stream ${formatCompact(Math.round(streamRate))}/s`}
          />
          <Stat label="Accepted" value={breakdown ? formatCompact(breakdown.accepted) : '–'} />
          <Stat
            label="Rejected"
            value={breakdown ? formatCompact(breakdown.rejected) : '–'}
            detail={
              breakdown && breakdown.accepted + breakdown.rejected > 0
                ? formatPercent(
                    (breakdown.rejected / (breakdown.accepted + breakdown.rejected)) * 100,
                  ).replace('+', '')
                : undefined
            }
            tone={breakdown && breakdown.rejected > 0 ? 'warn' : undefined}
          />
          <Stat label="Queue" value={data ? formatCount(data.queueSize) : '–'} />
          <Stat
            label="Dropped"
            value={data ? formatCount(data.droppedTicks ?? 0) : '–'}
            tone={(data?.droppedTicks ?? 0) > 0 ? 'warn' : undefined}
          />
          <Stat label="Storage lag" value={lag ? lag.value : '–'} />
          <Stat label="Symbols" value={data ? formatCount(data.activeSymbols) : '–'} />
          <Stat label="Anomalies" value={data ? formatCount(data.anomaliesDetected) : '–'} />
          <Stat
            label="Data dir"
            value={disk?.sizeBytes == null ? '–' : formatBytes(disk.sizeBytes)}
            detail={
              growth == null ? undefined : `${growth >= 0 ? '+' : '−'}${formatBytes(Math.abs(growth))}/h`
            }
          />
          <Stat
            label="Free disk"
            value={disk?.freeBytes == null ? '–' : formatBytes(disk.freeBytes)}
            detail={disk?.rawTicks === 'refused' ? 'raw ticks refused' : undefined}
            tone={disk?.rawTicks === 'refused' ? 'warn' : undefined}
          />
          <Stat
            label="Stream"
            value={streamWord[hub.status]}
            detail={hub.reconnects > 0 ? `${hub.reconnects} reconnects` : undefined}
            tone={hub.status === HubStatus.Open ? undefined : 'warn'}
          />
        </dl>

        {breakdown && (
          <>
            <h3>Rejected by reason</h3>
            {breakdown.rows.length === 0 ? (
              <p className="muted small">No ticks rejected.</p>
            ) : (
              <ul className="reasons">
                {breakdown.rows.map((row) => (
                  <li key={row.reason}>
                    <span className="reason">{row.reason}</span>
                    <span className="bar" aria-hidden="true">
                      <span style={{ width: `${Math.max(2, Math.min(100, row.sharePercent))}%` }} />
                    </span>
                    <span className="num">{formatCount(row.count)}</span>
                    <span className="num muted">{formatDecimal(row.sharePercent)}%</span>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}

        {cluster && clusterView && (
          <>
            <h3>Cluster {cluster.name}</h3>
            <p className="muted small" data-testid="cluster-summary">
              {`${formatCount(clusterView.nodes.length)} nodes · ${formatCount(cluster.partitions)} partitions · NATS ${cluster.nats} · lag ${formatCount(clusterView.totalLag)} messages`}
              {clusterView.worst &&
                ` (most: partition ${clusterView.worst.partition}, ${formatCount(clusterView.worst.lag)})`}
              {clusterView.unowned.length > 0 && ` · unowned: ${clusterView.unowned.join(', ')}`}
            </p>
            <dl className="kv" data-testid="cluster-nodes">
              {clusterView.nodes.map((node) => (
                <div key={node.nodeId}>
                  <dt>
                    {node.nodeId}
                    {node.self ? ' (this node)' : ''}
                  </dt>
                  <dd>{`partitions ${node.partitions} · lag ${formatCount(node.lag)} · ${node.roles}`}</dd>
                </div>
              ))}
            </dl>
          </>
        )}

        <MetricList title="Storage" entries={storage} />
        <MetricList title="Connections" entries={connections} />
      </div>
    </section>
  );
}
