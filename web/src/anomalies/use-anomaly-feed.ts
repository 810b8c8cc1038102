import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';

import type { WireAnomaly } from '../api-types';
import { useServices } from '../auth/session-context';
import type { ChannelEvent } from '../stream/channel-sequencer';
import { HubStatus } from '../stream/hub-client';
import { useChannel, useHubState } from '../stream/hub-context';
import { mergeAnomalies, normalizeAnomalies, normalizeAnomaly, type Anomaly } from './anomaly-model';

export interface AnomalyFeedState {
  anomalies: readonly Anomaly[];
  /** A snapshot or the REST list has arrived. */
  loaded: boolean;
  error: string | null;
}

const RECENT_KEY = ['anomalies', 'recent'] as const;
const RECENT_TAKE = 100;

/**
 * The live anomaly feed: the `anomalies` channel (snapshot, then one update per anomaly), with
 * `GET /api/anomalies` to fill in while the stream is not there and after a gap it reports.
 */
export function useAnomalyFeed(): AnomalyFeedState {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const hub = useHubState();
  const [anomalies, setAnomalies] = useState<readonly Anomaly[]>([]);
  const [streamed, setStreamed] = useState(false);

  const recent = useQuery({
    queryKey: RECENT_KEY,
    queryFn: ({ signal }) => api.get<WireAnomaly[]>('/api/anomalies', { take: RECENT_TAKE }, signal),
    refetchInterval: hub.status === HubStatus.Open ? false : 5000,
  });

  useEffect(() => {
    if (recent.data) setAnomalies((current) => mergeAnomalies(current, normalizeAnomalies(recent.data)));
  }, [recent.data]);

  const onEvent = useCallback(
    (event: ChannelEvent) => {
      if (event.type === 'snapshot') {
        setAnomalies((current) => mergeAnomalies(current, normalizeAnomalies(event.data)));
        setStreamed(true);
      } else if (event.type === 'update') {
        const anomaly = normalizeAnomaly(event.data as WireAnomaly);
        if (anomaly) setAnomalies((current) => mergeAnomalies(current, [anomaly]));
      } else {
        // The hub dropped anomalies for this connection: take the recent ones from storage.
        void queryClient.invalidateQueries({ queryKey: RECENT_KEY });
      }
    },
    [queryClient],
  );
  useChannel('anomalies', onEvent);

  const loaded = streamed || recent.isSuccess;
  const error = !loaded && recent.error ? recent.error.message : null;
  return { anomalies, loaded, error };
}
