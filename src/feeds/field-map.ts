/**
 * Which column (CSV) or key (NDJSON) each tick field is read from (DESIGN §3.6). By default a
 * field takes the first of its names that is present; `--map field=column` takes it from another
 * column instead, and a column named in the map serves only the field it is mapped to (so
 * `--map symbol=id` reads the ticker from `id` and the tick gets no id).
 */

/** The fields of a raw tick a reader fills, in the order readers resolve them. */
export const TICK_FIELDS = ['symbol', 'price', 'volume', 'timestamp', 'seq', 'id', 'source'] as const;
export type TickField = (typeof TICK_FIELDS)[number];

/** Field → column (CSV: header name, case-insensitive, trimmed) or key (NDJSON: exact). */
export type FieldMap = Readonly<Partial<Record<TickField, string>>>;

/** Default names of each field, best first. */
export const FIELD_ALIASES: Readonly<Record<TickField, readonly string[]>> = Object.freeze({
  symbol: ['symbol'],
  price: ['price'],
  volume: ['volume', 'amount', 'size'],
  timestamp: ['timestamp', 'ts', 'time'],
  seq: ['seq'],
  id: ['id'],
  source: ['source'],
});

/**
 * Parses the `--map` syntax, `field=column[,field=column…]`, e.g. `symbol=id,volume=amount`.
 * Throws on an unknown field, a field given twice or a missing column name.
 */
export function parseFieldMap(text: string): FieldMap {
  const map: Partial<Record<TickField, string>> = {};
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    const field = (eq < 0 ? pair : pair.slice(0, eq)).trim();
    const column = eq < 0 ? '' : pair.slice(eq + 1).trim();
    if (!isTickField(field)) throw new Error(unknownField(field));
    if (column === '') throw new Error(`field map: ${field} needs a column, as in ${field}=column`);
    if (map[field] !== undefined) throw new Error(`field map: ${field} is mapped twice`);
    map[field] = column;
  }
  return map;
}

/**
 * For each field of {@link TICK_FIELDS} (same order), the names it may be read from, best first:
 * the mapped name alone, or the default names not claimed by the map. `fold` makes names
 * comparable (CSV: trim and lower-case; NDJSON: none). Throws on an unknown field in the map.
 */
export function fieldSources(map: FieldMap | undefined, fold: (name: string) => string): string[][] {
  const claimed = new Set<string>();
  if (map !== undefined) {
    for (const [field, column] of Object.entries(map)) {
      if (column === undefined) continue;
      if (!isTickField(field)) throw new Error(unknownField(field));
      if (typeof column !== 'string' || fold(column) === '') {
        throw new Error(`field map: ${field} needs a column name`);
      }
      claimed.add(fold(column));
    }
  }
  return TICK_FIELDS.map((field) => {
    const mapped = map?.[field];
    if (mapped !== undefined) return [fold(mapped)];
    return FIELD_ALIASES[field].filter((name) => !claimed.has(name));
  });
}

function isTickField(name: string): name is TickField {
  return (TICK_FIELDS as readonly string[]).includes(name);
}

function unknownField(field: string): string {
  return `field map: unknown field ${JSON.stringify(field)} (fields: ${TICK_FIELDS.join(', ')})`;
}
