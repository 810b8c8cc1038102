import { epochMs, pgTime } from './sql-driver.js';

/** The column types a stored record uses. */
export type ColumnType = 'text' | 'float8' | 'int4' | 'int8' | 'boolean' | 'timestamptz';

/**
 * The columns of a table that stores a plain-data record: one per field of the record's field list
 * (see core/record-fields.ts, or the keys of its column types), named in snake_case, in the list's order. Times are epoch ms in the
 * record and timestamptz in the table. The statements of ./market-data-store.ts are built from
 * these, so a field is spelled once, in core.
 */
export class RecordColumns<R extends object> {
  readonly #fields: readonly (keyof R & string)[];
  readonly #names: readonly string[];
  readonly #types: readonly ColumnType[];

  constructor(fields: readonly (keyof R & string)[], types: { readonly [K in keyof R]-?: ColumnType }) {
    this.#fields = fields;
    this.#names = fields.map(columnName);
    this.#types = fields.map((f) => types[f]);
  }

  /** Columns in the order of the keys of `types`, for a record whose field list is kept only here. */
  static of<R extends object>(types: { readonly [K in keyof R]-?: ColumnType }): RecordColumns<R> {
    return new RecordColumns<R>(Object.keys(types) as (keyof R & string)[], types);
  }

  /** The column names, comma separated (`symbol, interval, start, "end", …`). */
  names(): string {
    return this.#names.map(quote).join(', ');
  }

  /** The select list: times as epoch ms, each under its column name. */
  select(): string {
    return this.#names
      .map((name, i) =>
        this.#types[i] === 'timestamptz' ? `${epochMs(quote(name))} as ${quote(name)}` : quote(name),
      )
      .join(', ');
  }

  /** The column definitions of `json_to_recordset(…) as x(…)`. */
  definitions(): string {
    return this.#names.map((name, i) => `${quote(name)} ${this.#types[i]!}`).join(', ');
  }

  /** `col = excluded.col, …` for every column but `keys` (an upsert's update). */
  updateFromExcluded(keys: readonly (keyof R & string)[]): string {
    return this.#names
      .filter((_, i) => !keys.includes(this.#fields[i]!))
      .map((name) => `${quote(name)} = excluded.${quote(name)}`)
      .join(', ');
  }

  /** The record as one JSON row for `json_to_recordset`, `extra` columns appended. */
  toRow(record: R, extra?: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < this.#fields.length; i++) {
      const value = record[this.#fields[i]!];
      row[this.#names[i]!] = this.#types[i] === 'timestamptz' ? pgTime(value as number) : value;
    }
    return extra === undefined ? row : Object.assign(row, extra);
  }

  /** Copies the fields of a row read with {@link select} onto `out`, in the list's order. */
  fromRow<T extends object>(row: Readonly<Record<string, unknown>>, out: T): T & R {
    const record = out as Record<string, unknown>;
    for (let i = 0; i < this.#fields.length; i++) record[this.#fields[i]!] = row[this.#names[i]!];
    return out as T & R;
  }
}

/** `referencePrice` → `reference_price`. */
function columnName(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const RESERVED = new Set(['end']);

function quote(name: string): string {
  return RESERVED.has(name) ? `"${name}"` : name;
}
