import {
  normalizeId,
  normalizePrice,
  normalizeSeq,
  normalizeTimestamp,
  normalizeVolume,
  rawVolume,
  type RawTick,
} from '../../core/tick.js';
import type { WireTick } from '../tick-encoder.js';

/**
 * A raw tick (from the simulator or a replayed file, where values may be decimal strings and
 * ISO-8601 times) in the numbers the binary protocols carry. Values that cannot be represented are
 * sent as values the server refuses for the same reason it would refuse the original (NaN for a
 * bad price or volume, a time before 1970 for a bad timestamp, 2^53 for a bad seq, an empty id for
 * a bad id), so a replay's bad records are counted on the server like any other client's.
 */
export function toWireTick(raw: RawTick): WireTick {
  const timestamp =
    raw.timestamp === undefined || raw.timestamp === null ? undefined : normalizeTimestamp(raw.timestamp, 0);
  const seq = normalizeSeq(raw.seq);
  const id = normalizeId(raw.id);
  return {
    symbol: typeof raw.symbol === 'string' ? raw.symbol : '',
    price: normalizePrice(raw.price),
    volume: normalizeVolume(rawVolume(raw)),
    timestamp: timestamp === undefined ? undefined : Number.isNaN(timestamp) ? undefined : timestamp,
    timestampNs: timestamp !== undefined && Number.isNaN(timestamp) ? -1_000_000n : undefined,
    seq: seq !== undefined && Number.isNaN(seq) ? 2 ** 53 : seq,
    id: id === null ? '' : id,
  };
}
