/**
 * The soak's chart: one small panel per series (resident memory, event-loop delay p99, ingest p99,
 * storage lag) over the run's minutes, drawn as an SVG by the bench itself (no plotting library).
 * The warm-up is shaded; a panel may carry a fitted line (the memory slope after warm-up).
 */
export interface ChartSeries {
  readonly title: string;
  readonly unit: string;
  /** One value per sample (null: no value in that sample). */
  readonly values: ReadonlyArray<number | null>;
  /** A fitted line `value = intercept + slope × minute` drawn over [fromMinute, last minute]. */
  readonly fit?: { readonly intercept: number; readonly slopePerMinute: number; readonly fromMinute: number };
  readonly note?: string;
}

export interface ChartInput {
  readonly title: string;
  readonly subtitle: string;
  /** Minute of each sample since the soak started. */
  readonly minutes: readonly number[];
  /** The run's length: the x axis ends here. */
  readonly durationMinutes: number;
  readonly warmupMinutes: number;
  readonly series: readonly ChartSeries[];
}

const WIDTH = 720;
const PANEL_HEIGHT = 130;
const LEFT = 64;
const RIGHT = 16;
const TOP = 46;
const GAP = 34;

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A round step for about `ticks` axis divisions over `span`. */
function niceStep(span: number, ticks: number): number {
  const raw = span / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

const label = (n: number): string =>
  Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : String(Math.round(n * 100) / 100);

export function soakChart(input: ChartInput): string {
  const { minutes, series } = input;
  const height = TOP + series.length * (PANEL_HEIGHT + GAP);
  const plotWidth = WIDTH - LEFT - RIGHT;
  const xMax = Math.max(input.durationMinutes, minutes[minutes.length - 1] ?? 0, 1 / 60);
  const x = (m: number): number => LEFT + (m / xMax) * plotWidth;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="${LEFT}" y="18" font-size="14" font-weight="bold">${esc(input.title)}</text>`,
    `<text x="${LEFT}" y="34" fill="#555">${esc(input.subtitle)}</text>`,
  ];
  const xStep = niceStep(xMax, 6);
  series.forEach((s, i) => {
    const top = TOP + i * (PANEL_HEIGHT + GAP) + 14;
    const bottom = top + PANEL_HEIGHT - 14;
    const present = s.values.filter((v): v is number => v !== null && Number.isFinite(v));
    const yMaxRaw = Math.max(...present, 0);
    const yStep = niceStep(yMaxRaw > 0 ? yMaxRaw : 1, 4);
    const yMax = Math.max(yStep, Math.ceil(yMaxRaw / yStep) * yStep);
    const y = (v: number): number => bottom - (v / yMax) * (bottom - top);
    out.push(`<text x="${LEFT}" y="${top - 4}" font-weight="bold">${esc(s.title)} (${esc(s.unit)})</text>`);
    if (s.note !== undefined)
      out.push(
        `<text x="${WIDTH - RIGHT}" y="${top - 4}" text-anchor="end" fill="#555">${esc(s.note)}</text>`,
      );
    if (input.warmupMinutes > 0)
      out.push(
        `<rect x="${LEFT}" y="${top}" width="${Math.min(plotWidth, x(input.warmupMinutes) - LEFT).toFixed(1)}" height="${bottom - top}" fill="#f2f2f2"/>`,
      );
    for (let v = 0; v <= yMax + yStep / 2; v += yStep) {
      out.push(
        `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`,
        `<text x="${LEFT - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#333">${label(v)}</text>`,
      );
    }
    for (let m = 0; m <= xMax + xStep / 2; m += xStep) {
      out.push(
        `<line x1="${x(m).toFixed(1)}" x2="${x(m).toFixed(1)}" y1="${bottom}" y2="${bottom + 4}" stroke="#333"/>`,
        `<text x="${x(m).toFixed(1)}" y="${bottom + 15}" text-anchor="middle" fill="#333">${label(m)}${m === 0 ? ' min' : ''}</text>`,
      );
    }
    out.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${bottom}" y2="${bottom}" stroke="#333"/>`);
    let path = '';
    s.values.forEach((v, k) => {
      if (v === null || !Number.isFinite(v)) return;
      path += `${path === '' ? 'M' : 'L'}${x(minutes[k]!).toFixed(1)},${y(v).toFixed(1)}`;
    });
    if (path !== '') out.push(`<path d="${path}" fill="none" stroke="#1f6fb4" stroke-width="1.5"/>`);
    if (s.fit !== undefined) {
      const { intercept, slopePerMinute, fromMinute } = s.fit;
      const at = (m: number): number => Math.max(0, Math.min(yMax, intercept + slopePerMinute * m));
      out.push(
        `<line x1="${x(fromMinute).toFixed(1)}" y1="${y(at(fromMinute)).toFixed(1)}" x2="${x(xMax).toFixed(1)}" y2="${y(at(xMax)).toFixed(1)}" stroke="#d62728" stroke-dasharray="5,3" stroke-width="1.5"/>`,
      );
    }
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
