import { connect, type Socket } from 'node:net';

import postgres from 'postgres';

import { DriverKind, type Row, type SqlDriver, type SqlSession } from './sql-driver.js';

export interface PostgresDriverOptions {
  /** `postgres://user:password@host:port/database?…` */
  readonly url: string;
  /** Most connections for queries outside transactions (reads). */
  readonly poolSize: number;
  /** Transactions that may run at once, each on a connection of its own (default 3). */
  readonly transactionConnections?: number;
  readonly connectTimeoutMs: number;
  /** Longest wait before reconnecting after failed connection attempts (default 5000). */
  readonly reconnectMaxDelayMs?: number;
}

type Sql = postgres.Sql<{ int8: number }>;

/** A postgres.js client, and what this driver keeps about its connections' closes. */
interface Client {
  readonly sql: Sql;
  /** How often one of its connections has closed: a transaction must end on the connection it began on. */
  closes: number;
  /** Called (and emptied) at the next close. */
  readonly onClose: Array<() => void>;
  /** Set after a failure that was not the server's own: resolves at the next close, or after SETTLE_MS. */
  settling: Promise<void> | undefined;
}

/** A client of exactly one connection, for one transaction at a time. */
type TransactionConnection = Client;

/**
 * How long a client whose statement failed without an answer from the server (a reset, a cut) waits
 * for its connection's close before it takes the next statement.
 *
 * postgres.js loses a statement sent on a connection between its socket's `error` and `close`
 * events (Node emits `close` a loop turn after `error`): the statement is written to the dead
 * socket, and the close, having had an error, rejects nothing, so the statement's promise never
 * settles. A writer that retried at once waited on it for good (the PostgreSQL outage test, once
 * in a few runs). So after such a failure the next statement on that client waits for the close;
 * a connection that does not close (the failure was not the socket's) is used again after this.
 */
const SETTLE_MS = 250;

/**
 * A PostgreSQL server through postgres.js: a pool for queries, and a few single-connection clients
 * for transactions. Connections open lazily and reconnect by themselves after the server went
 * away; a statement that fails meanwhile rejects (the batch writer retries it).
 *
 * Transactions are begun, committed and rolled back here, each on a client of its own, instead of
 * with postgres.js's `begin` or `reserve`, whose failure paths misbehave in postgres.js 3.4: `begin`
 * rolls back on a connection that was just lost, and a statement on a closed connection throws in
 * one of its timers, where nothing can catch it (the process ends); `reserve` on a connection still
 * to be opened never resolves when the array type lookup is off, and with the lookup on, a
 * connection lost during the lookup leaves an unhandled rejection (the process ends). So: no type
 * lookup (no array parameters are used), no `begin`, no `reserve`; and once a transaction's
 * connection closed, no statement follows: the server has rolled it back already.
 */
export class PostgresDriver implements SqlDriver {
  readonly kind = DriverKind.Postgres;
  readonly #pool: Client;
  readonly #session: SqlSession;
  readonly #free: TransactionConnection[];
  readonly #all: TransactionConnection[];
  readonly #waiting: Array<(connection: TransactionConnection) => void> = [];

  constructor(options: PostgresDriverOptions) {
    const common = {
      // `socket` is a documented option that postgres.js's type definitions lack.
      socket: (opts: { host: string[]; port: number[] }) =>
        openSocket(opts.host[0] ?? 'localhost', opts.port[0] ?? 5432),
    };
    const reconnectMaxDelayMs = options.reconnectMaxDelayMs ?? 5000;
    const client = (max: number): Client => {
      const made: Client = { sql: undefined as unknown as Sql, closes: 0, onClose: [], settling: undefined };
      (made as { sql: Sql }).sql = connectClient(max, () => {
        made.closes++;
        for (const f of made.onClose.splice(0)) f();
      });
      return made;
    };
    const connectClient = (max: number, onclose: () => void): Sql =>
      postgres(options.url, {
        ...common,
        max,
        connect_timeout: Math.max(1, Math.ceil(options.connectTimeoutMs / 1000)),
        onnotice: () => {},
        fetch_types: false,
        // postgres.js waits up to 20 s between reconnection attempts after repeated failures, so a
        // database that was back stayed unused that long; the writer's retries pace the attempts.
        backoff: (retries: number) => Math.min(0.05 * 2 ** retries, reconnectMaxDelayMs / 1000),
        onclose,
        prepare: true,
        connection: { application_name: 'tickstream', TimeZone: 'UTC' },
        // Every int8 we store (sequences, counts, ids) is below 2^53: read it as a number.
        types: {
          int8: {
            to: 20,
            from: [20],
            parse: (value: string) => Number(value),
            serialize: (value: unknown) => String(value),
          },
        },
      });
    this.#pool = client(options.poolSize);
    this.#session = sessionOf(this.#pool);
    this.#all = Array.from({ length: Math.max(1, options.transactionConnections ?? 3) }, () => client(1));
    this.#free = [...this.#all];
  }

  query<T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.#session.query<T>(text, params);
  }

  exec(script: string): Promise<void> {
    return this.#session.exec(script);
  }

  copyBinary(target: string, data: Uint8Array): Promise<void> {
    return this.#session.copyBinary(target, data);
  }

  async transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    const connection =
      this.#free.pop() ?? (await new Promise<TransactionConnection>((r) => this.#waiting.push(r)));
    try {
      return await runTransaction(connection, fn);
    } finally {
      const next = this.#waiting.shift();
      if (next !== undefined) next(connection);
      else this.#free.push(connection);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.#pool, ...this.#all].map((c) => c.sql.end({ timeout: 5 })));
  }
}

async function runTransaction<T>(
  connection: TransactionConnection,
  fn: (tx: SqlSession) => Promise<T>,
): Promise<T> {
  const { sql } = connection;
  await connection.settling;
  let closes = connection.closes;
  // A statement sent after the connection closed would go out on a new connection, outside the
  // transaction: refuse instead. (`begin` itself may open the connection: count from after it.)
  const lost = (): boolean => connection.closes !== closes;
  let begun = false;
  try {
    await sql.unsafe('begin');
    closes = connection.closes;
    begun = true;
    const result = await fn(
      sessionOf(connection, () => {
        if (lost()) throw connectionLost();
      }),
    );
    if (lost()) throw connectionLost();
    await sql.unsafe('commit');
    return result;
  } catch (err) {
    // A rollback sent before a failing connection's close would be lost with it (see SETTLE_MS).
    settleAfter(connection, err);
    await connection.settling;
    if (begun && !lost()) {
      try {
        await sql.unsafe('rollback');
      } catch (rollbackErr) {
        // The transaction's own error is the one to report.
        settleAfter(connection, rollbackErr);
      }
    }
    throw err;
  }
}

/** A failure of the connection itself (a reset, a cut, a timeout), not an answer of the server or an error of ours. */
function isConnectionFailure(err: unknown): boolean {
  if (typeof err !== 'object' || err === null || err instanceof postgres.PostgresError) return false;
  const { code, syscall } = err as { code?: unknown; syscall?: unknown };
  return typeof syscall === 'string' || (typeof code === 'string' && /^CONNECT(ION)?_/.test(code));
}

/** After a failure of the connection, the client's next statement waits for its close (see SETTLE_MS). */
function settleAfter(client: Client, err: unknown): void {
  if (!isConnectionFailure(err) || client.settling !== undefined) return;
  client.settling = new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.settling = undefined;
      resolve();
    };
    const timer = setTimeout(done, SETTLE_MS);
    client.onClose.push(done);
  });
}

/**
 * Statements on `client`; `check` runs before each (a transaction refuses to go on without its
 * connection). In a transaction the statements wait for no settling (the transaction's own
 * statements stop at the first failure); outside one each waits for it.
 */
function sessionOf(client: Client, check?: () => void): SqlSession {
  const { sql } = client;
  const run = async <T>(statement: () => Promise<T>): Promise<T> => {
    if (check !== undefined) check();
    else await client.settling;
    try {
      return await statement();
    } catch (err) {
      if (check === undefined) settleAfter(client, err);
      throw err;
    }
  };
  return {
    query: <T extends Row = Row>(text: string, params: readonly unknown[] = []): Promise<T[]> =>
      run(async () => {
        const rows = await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[]);
        // A plain array, like the other driver (postgres.js answers an Array subclass with extras).
        return Array.from(rows) as unknown as T[];
      }),
    exec: (script: string): Promise<void> =>
      run(async () => {
        await sql.unsafe(script).simple();
      }),
    copyBinary: (target, data) => run(() => copyBinary(sql, target, data)),
  };
}

function connectionLost(): Error {
  return Object.assign(new Error('the connection to the database was lost during the transaction'), {
    code: 'CONNECTION_CLOSED',
  });
}

/**
 * COPY FROM STDIN through postgres.js's writable stream. postgres.js reports an error that
 * arrives after the stream ended (a bad row, a missing partition) only by rejecting a query promise
 * it had already resolved with the stream, so the stream never finishes and the error is lost.
 * Wrapping the query's `reject` catches it.
 */
async function copyBinary(sql: Sql, target: string, data: Uint8Array): Promise<void> {
  const query = sql.unsafe(`copy ${target} from stdin with (format binary)`);
  let fail: (err: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {}); // observed through the race below, or not at all when the copy succeeds
  const internal = query as unknown as { reject: (err: unknown) => void };
  const reject = internal.reject;
  internal.reject = (err) => {
    fail(err);
    reject(err);
  };
  const stream = await query.writable();
  const finished = new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.once('finish', resolve);
  });
  stream.end(data);
  await Promise.race([finished, failed]);
}

/**
 * A TCP socket with Nagle's algorithm off. postgres.js leaves it on, and then the small CopyDone
 * message that ends every COPY waits for the ACK of the data before it, which the server delays by
 * up to 40 ms: a fixed stall per batch that capped COPY throughput at about half.
 *
 * Returned while still connecting: postgres.js writes its startup message at once (the socket
 * buffers it), and a failed connection reaches it as the socket's own `error` and `close` events,
 * which return the connection to its pool. (A rejected promise here would leave the connection
 * stuck in "connecting", and every query queued on it waiting forever.)
 */
function openSocket(host: string, port: number): Socket {
  return host.startsWith('/')
    ? connect({ path: `${host}/.s.PGSQL.${port}` })
    : connect({ host, port, noDelay: true });
}
