/**
 * The tick model and its validation (DESIGN §3.1). Every producer turns its input into a
 * {@link RawTick}; these functions turn raw fields into the engine's normalized values.
 *
 * The per-field functions return NaN / undefined for invalid input instead of throwing or
 * allocating a result object, so the engine's hot path can call them per tick for free.
 */

/** Why a tick was refused. Stable strings: clients, metrics and tests depend on them. */
export const RejectReason = {
  InvalidSymbol: 'invalid_symbol',
  InvalidPrice: 'invalid_price',
  InvalidVolume: 'invalid_volume',
  InvalidTimestamp: 'invalid_timestamp',
  FutureTimestamp: 'future_timestamp',
  InvalidSeq: 'invalid_seq',
  InvalidId: 'invalid_id',
  Duplicate: 'duplicate',
  Late: 'late',
  Overloaded: 'overloaded',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** Every reason, in the order the checks run. */
export const REJECT_REASONS: readonly RejectReason[] = Object.freeze(Object.values(RejectReason));

/** A tick as a producer hands it over, before validation. Unknown fields are ignored. */
export interface RawTick {
  readonly symbol?: unknown;
  readonly price?: unknown;
  readonly volume?: unknown;
  /** Alias of `volume` accepted at the edges. */
  readonly amount?: unknown;
  /** Alias of `volume` accepted at the edges. */
  readonly size?: unknown;
  /** Epoch milliseconds (number or digit string) or an ISO-8601 string; absent means receive time. */
  readonly timestamp?: unknown;
  readonly seq?: unknown;
  readonly id?: unknown;
  /** Producer name; overrides the channel's default source. */
  readonly source?: unknown;
}

/** A validated, normalized tick (what `normalizeTick` and `Engine.ingestOne` answer). */
export interface Tick {
  readonly symbol: string;
  readonly price: number;
  readonly volume: number;
  /** Event time, integer epoch milliseconds. */
  readonly ts: number;
  readonly seq: number | undefined;
  readonly id: string | undefined;
  readonly source: string;
  /** Arrival time, epoch milliseconds. */
  readonly receivedAt: number;
}

export const SYMBOL_PATTERN = /^[A-Z0-9][A-Z0-9._:/-]{0,31}$/;
export const MAX_ID_LENGTH = 128;
export const MAX_SOURCE_LENGTH = 64;
/** The largest time a JavaScript Date can hold; anything beyond is not a timestamp. */
const MAX_EPOCH_MS = 8.64e15;

/** Trimmed, upper-cased symbol, or undefined when it is not a valid symbol. */
export function normalizeSymbol(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const symbol = raw.trim().toUpperCase();
  return SYMBOL_PATTERN.test(symbol) ? symbol : undefined;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A number, or a decimal string as many exchanges send prices; NaN for anything else. */
function toNumber(raw: unknown): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string') {
    const text = raw.trim();
    return DECIMAL.test(text) ? Number(text) : NaN;
  }
  return NaN;
}

/** Price, or NaN when it is not a finite number > 0. */
export function normalizePrice(raw: unknown): number {
  const price = toNumber(raw);
  return price > 0 && price !== Infinity ? price : NaN;
}

/** Volume (absent means 0), or NaN when it is not a finite number ≥ 0. */
export function normalizeVolume(raw: unknown): number {
  if (raw === undefined || raw === null) return 0;
  const volume = toNumber(raw);
  // `+ 0` turns -0 (`"-0"` passes `>= 0`) into 0, so no candle or stored total shows a negative zero.
  return volume >= 0 && volume !== Infinity ? volume + 0 : NaN;
}

/** The volume of a raw tick, taking the `amount` and `size` aliases when `volume` is absent. */
export function rawVolume(raw: RawTick): unknown {
  if (raw.volume !== undefined) return raw.volume;
  if (raw.amount !== undefined) return raw.amount;
  return raw.size;
}

const DIGITS = /^\d+(?:\.\d+)?$/;

/**
 * Event time in integer epoch ms (sub-millisecond parts truncated), `receivedAt` when absent,
 * or NaN when it is not a valid time.
 */
export function normalizeTimestamp(raw: unknown, receivedAt: number): number {
  let ms: number;
  if (raw === undefined || raw === null) return receivedAt;
  if (typeof raw === 'number') ms = raw;
  else if (typeof raw === 'string') {
    // Drop the fraction as text: Number('1700000000000.9999') already rounds up into the next ms.
    const dot = raw.indexOf('.');
    ms = DIGITS.test(raw) ? Number(dot < 0 ? raw : raw.slice(0, dot)) : parseIsoTimestamp(raw);
  } else return NaN;
  return ms >= 0 && ms <= MAX_EPOCH_MS ? Math.trunc(ms) : NaN;
}

/** Sequence number, undefined when absent, NaN when present but not a safe integer ≥ 0. */
export function normalizeSeq(raw: unknown): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  return typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0 ? raw : NaN;
}

/** Tick id, undefined when absent, null when present but invalid (1–128 chars; safe integers allowed). */
export function normalizeId(raw: unknown): string | undefined | null {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') return raw.length >= 1 && raw.length <= MAX_ID_LENGTH ? raw : null;
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return String(raw);
  return null;
}

/** The tick's own source when it names one (1–64 chars), else the channel's. */
export function normalizeSource(raw: unknown, fallback: string): string {
  return typeof raw === 'string' && raw.length >= 1 && raw.length <= MAX_SOURCE_LENGTH ? raw : fallback;
}

export type NormalizeResult =
  { readonly ok: true; readonly tick: Tick } | { readonly ok: false; readonly reason: RejectReason };

/**
 * All field checks of DESIGN §3.1 in their order. The engine runs the same per-field functions
 * inline; this form is for adapters and tests that want a whole {@link Tick}.
 */
export function normalizeTick(
  raw: RawTick,
  source: string,
  receivedAt: number,
  maxFutureSkewMs: number,
): NormalizeResult {
  const symbol = normalizeSymbol(raw.symbol);
  if (symbol === undefined) return { ok: false, reason: RejectReason.InvalidSymbol };
  const price = normalizePrice(raw.price);
  if (Number.isNaN(price)) return { ok: false, reason: RejectReason.InvalidPrice };
  const volume = normalizeVolume(rawVolume(raw));
  if (Number.isNaN(volume)) return { ok: false, reason: RejectReason.InvalidVolume };
  const ts = normalizeTimestamp(raw.timestamp, receivedAt);
  if (Number.isNaN(ts)) return { ok: false, reason: RejectReason.InvalidTimestamp };
  if (ts > receivedAt + maxFutureSkewMs) return { ok: false, reason: RejectReason.FutureTimestamp };
  const seq = normalizeSeq(raw.seq);
  if (Number.isNaN(seq)) return { ok: false, reason: RejectReason.InvalidSeq };
  const id = normalizeId(raw.id);
  if (id === null) return { ok: false, reason: RejectReason.InvalidId };
  return {
    ok: true,
    tick: { symbol, price, volume, ts, seq, id, source: normalizeSource(raw.source, source), receivedAt },
  };
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * ISO-8601 date-time to epoch ms, NaN when malformed. A time without an offset is taken as UTC
 * (a server must not depend on its own time zone). Fractions beyond milliseconds are truncated,
 * not rounded, so `…:01.999999Z` stays in second 01.
 */
export function parseIsoTimestamp(text: string): number {
  const m = ISO.exec(text);
  if (m === null) return NaN;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 && !leap ? 28 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > monthDays) return NaN;
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  const fraction = m[7];
  const ms = fraction === undefined ? 0 : Number((fraction + '00').slice(0, 3));
  let offsetMin = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return NaN;
    offsetMin = sign * (oh * 60 + om);
  }
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
  return seconds * 1000 + ms - offsetMin * 60_000;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
