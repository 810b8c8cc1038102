// Display formatting. One fixed locale (en-US) and UTC everywhere, so the board, the chart axis
// (candle buckets are UTC aligned) and the tests agree on what a number or a time looks like.

const LOCALE = 'en-US';

const fixedFormats = new Map<number, Intl.NumberFormat>();
function fixed(decimals: number): Intl.NumberFormat {
  let format = fixedFormats.get(decimals);
  if (!format) {
    format = new Intl.NumberFormat(LOCALE, {
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
    fixedFormats.set(decimals, format);
  }
  return format;
}

const percentFormat = new Intl.NumberFormat(LOCALE, {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
  signDisplay: 'exceptZero',
});
const countFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const compactFormat = new Intl.NumberFormat(LOCALE, { notation: 'compact', maximumFractionDigits: 1 });
const decimalFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 });

const DASH = '–';

function isNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Decimals that show a price's tick-to-tick moves: 2 for large prices, 4 from 1 up (FX quotes,
 * the simulator's 0.01 % steps around 100), and about four significant digits below 1.
 */
export function priceDecimals(price: number): number {
  const abs = Math.abs(price);
  if (!Number.isFinite(abs) || abs >= 1000) return 2;
  if (abs >= 1) return 4;
  if (abs === 0) return 2;
  return Math.min(8, Math.max(4, 3 - Math.floor(Math.log10(abs))));
}

export function formatPrice(price: number | null | undefined, decimals?: number): string {
  if (!isNumber(price)) return DASH;
  return fixed(decimals ?? priceDecimals(price)).format(price);
}

/** A signed percentage: `+1.23%`, `-0.40%`, `0.00%`. */
export function formatPercent(value: number | null | undefined): string {
  if (!isNumber(value)) return DASH;
  return `${percentFormat.format(value)}%`;
}

/** A whole count with grouping: `12,345`. */
export function formatCount(value: number | null | undefined): string {
  if (!isNumber(value)) return DASH;
  return countFormat.format(value);
}

/** Counts and volumes in a narrow column: exact below 10,000, then `12.3K`, `4.5M`. */
export function formatCompact(value: number | null | undefined): string {
  if (!isNumber(value)) return DASH;
  if (Math.abs(value) < 10_000) return decimalFormat.format(value);
  return compactFormat.format(value);
}

/** A plain number with at most two decimals: `12.5`, `1,024`. */
export function formatDecimal(value: number | null | undefined): string {
  if (!isNumber(value)) return DASH;
  return decimalFormat.format(value);
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** `14:30:05` (UTC), or `14:30:05.123` with milliseconds. */
export function formatClock(ms: number | null | undefined, withMs = false): string {
  if (!isNumber(ms)) return DASH;
  const date = new Date(ms);
  const clock = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return withMs ? `${clock}.${pad(date.getUTCMilliseconds(), 3)}` : clock;
}

/** `2024-01-02 14:30:05 UTC`. */
export function formatDateTime(ms: number | null | undefined): string {
  if (!isNumber(ms)) return DASH;
  const date = new Date(ms);
  const day = `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  return `${day} ${formatClock(ms)} UTC`;
}

/** A duration for people: `350 ms`, `1.2 s`, `3 min 5 s`, `2 h 5 min`. */
export function formatDuration(ms: number | null | undefined): string {
  if (!isNumber(ms)) return DASH;
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${decimalFormat.format(Math.round(abs / 100) / 10)} s`;
  const totalSeconds = Math.round(abs / 1000);
  if (totalSeconds < 3600) {
    const seconds = totalSeconds % 60;
    return `${sign}${Math.floor(totalSeconds / 60)} min${seconds ? ` ${seconds} s` : ''}`;
  }
  const totalMinutes = Math.round(totalSeconds / 60);
  const minutes = totalMinutes % 60;
  return `${sign}${Math.floor(totalMinutes / 60)} h${minutes ? ` ${minutes} min` : ''}`;
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** `512 B`, `1.5 MB` (powers of 1024). */
export function formatBytes(bytes: number | null | undefined): string {
  if (!isNumber(bytes)) return DASH;
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? Math.round(value) : decimalFormat.format(Math.round(value * 10) / 10)} ${BYTE_UNITS[unit]}`;
}
