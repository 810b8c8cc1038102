/**
 * Engine snapshots as JSON text. They are opaque data to storage, but plain JSON would turn the
 * non-finite numbers a state may hold (an untouched minimum is Infinity, an unknown arrival time
 * NaN) into null, and restore a different state. Those numbers are written as `{"$n":"NaN"}`
 * (or "Infinity", "-Infinity") and turned back on reading.
 *
 * Stored in a `json` column (text kept as written), not `jsonb`, which cannot hold "\u0000"
 * (tick ids may contain it).
 */
export function encodeSnapshot(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? { $n: String(v) } : v,
  );
}

export function decodeSnapshot(value: unknown): unknown {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  return revive(parsed);
}

function revive(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revive(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === '$n' && typeof record.$n === 'string') return Number(record.$n);
  for (const key of keys) record[key] = revive(record[key]);
  return record;
}
