import type { SqlDriver } from './sql-driver.js';

/** A symbol's display name, and when storage first recorded the symbol. */
export interface SymbolName {
  readonly symbol: string;
  readonly name: string | null;
  /** Epoch ms. */
  readonly createdAt: number;
}

/**
 * Display names of symbols ("Apple Inc."), kept in the `name` column of `symbols` (migration 3).
 * A name may be set before the symbol's first tick is stored: the row then holds only the name
 * until the writer records the symbol's prices.
 */
export class SymbolNames {
  readonly #driver: SqlDriver;

  constructor(driver: SqlDriver) {
    this.#driver = driver;
  }

  /** Every symbol storage has a row for, named or not, by symbol. */
  async list(): Promise<SymbolName[]> {
    const rows = await this.#driver.query<{ symbol: string; name: string | null; created_at: number }>(
      `select symbol, name, (extract(epoch from created_at) * 1000)::float8 as created_at
         from symbols order by symbol`,
    );
    return rows.map((r) => ({ symbol: r.symbol, name: r.name, createdAt: r.created_at }));
  }

  /** Sets the name of a symbol (creating its row when storage has not seen it yet). */
  async set(symbol: string, name: string): Promise<SymbolName> {
    const rows = await this.#driver.query<{ symbol: string; name: string; created_at: number }>(
      `insert into symbols (symbol, name) values ($1, $2)
       on conflict (symbol) do update set name = excluded.name, updated_at = now()
       returning symbol, name, (extract(epoch from created_at) * 1000)::float8 as created_at`,
      [symbol, name],
    );
    const row = rows[0]!;
    return { symbol: row.symbol, name: row.name, createdAt: row.created_at };
  }

  /**
   * Names the given symbols that have no name yet (an operator's name is never overwritten).
   * Meant for start-up, with the configured defaults (e.g. the simulator's symbols). Returns how
   * many were named.
   */
  async setDefaults(names: Readonly<Record<string, string>>): Promise<number> {
    const entries = Object.entries(names);
    if (entries.length === 0) return 0;
    const rows = await this.#driver.query<{ symbol: string }>(
      `insert into symbols as s (symbol, name)
       select x.symbol, x.name from json_to_recordset($1::text::json) as x(symbol text, name text)
       on conflict (symbol) do update set name = excluded.name, updated_at = now() where s.name is null
       returning s.symbol`,
      [JSON.stringify(entries.map(([symbol, name]) => ({ symbol, name })))],
    );
    return rows.length;
  }
}
