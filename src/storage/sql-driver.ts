/**
 * The connection port under the stores (./database.ts): the little they need from a PostgreSQL
 * client, with two adapters, embedded PGlite (./pglite-driver.ts) and a PostgreSQL server through
 * postgres.js (./postgres-driver.ts). All SQL lives above this line, in one dialect, so both
 * drivers run exactly the same statements and migrations.
 *
 * Value conventions both adapters keep: `int8` comes back as a JS number (every bigint we store
 * is below 2^53), `timestamptz` as a Date, `json` parsed. Parameters are positional (`$1`); pass
 * Dates for timestamptz and JSON text for multi-row inputs (`json_to_recordset($1::json)`), not
 * JS arrays, which the two clients serialize differently.
 */

export type Row = Record<string, unknown>;

export const DriverKind = { Pglite: 'pglite', Postgres: 'postgres' } as const;
export type DriverKind = (typeof DriverKind)[keyof typeof DriverKind];

/** Statements on one connection (inside a transaction, or any pooled connection outside one). */
export interface SqlSession {
  query<T extends Row = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations, DDL). */
  exec(script: string): Promise<void>;
  /**
   * `COPY <target> FROM STDIN WITH (FORMAT binary)` with `data` as the whole binary stream
   * (header, rows, trailer). `target` is `table (col, …)`.
   */
  copyBinary(target: string, data: Uint8Array): Promise<void>;
}

export interface SqlDriver extends SqlSession {
  readonly kind: DriverKind;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** The embedded database's own memory (PGlite's WebAssembly memory, its thread's heap); absent for a server. */
  memory?(): Promise<EmbeddedMemory>;
}

export interface EmbeddedMemory {
  /** PGlite's WebAssembly memory: it grows as PostgreSQL needs more and never shrinks. */
  readonly wasmBytes: number;
  /** The V8 heap used by the database's thread (0 when it runs in the server's thread). */
  readonly threadHeapBytes: number;
}

/** SQLSTATE of a PostgreSQL error from either client, if it carries one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Name of the constraint a PostgreSQL error names (unique violations), if any. */
export function constraintName(err: unknown): string | undefined {
  const e = err as { constraint?: unknown; constraint_name?: unknown } | null;
  const name = e?.constraint_name ?? e?.constraint;
  return typeof name === 'string' ? name : undefined;
}

export const SqlState = {
  UniqueViolation: '23505',
  /** "no partition of relation … found for row" */
  CheckViolation: '23514',
  UndefinedTable: '42P01',
  DuplicateTable: '42P07',
} as const;

/** A time as PostgreSQL reads it (ISO-8601; years beyond 9999 without the `+`). */
export function pgTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.startsWith('+') ? iso.slice(1) : iso;
}

/** SQL for the epoch milliseconds of a timestamptz column, exactly (no Date parsing, any year). */
export function epochMs(column: string): string {
  return `(extract(epoch from ${column}) * 1000)::float8`;
}
