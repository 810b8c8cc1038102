/**
 * The schema, as versioned migrations. The SQL sits in this module (not in .sql files) so that the
 * compiled build carries it: `tsc` copies no other files into dist/.
 *
 * Rules: a migration, once released, never changes; a change is a new migration with the next
 * version. Each runs once, in its own transaction, recorded in `schema_migrations`. Both drivers
 * (PGlite and a PostgreSQL server) run the same statements.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const MARKET_DATA = `
-- Symbols seen, with the event-time range of their ticks and the last price (refreshed with each
-- stats snapshot, and exactly on a graceful stop).
create table symbols (
  symbol text primary key,
  first_seen timestamptz not null,
  last_seen timestamptz not null,
  last_price float8 not null,
  last_price_ts timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Raw ticks, range-partitioned by UTC day of event time (partitions ticks_YYYYMMDD are created
-- ahead and on demand by the writer, and dropped by retention). ingest_seq numbers accepted ticks
-- in arrival order: the cursor tie-breaker, and where recovery resumes.
create table ticks (
  symbol text not null,
  ts timestamptz not null,
  price float8 not null,
  volume float8 not null,
  seq bigint,
  id text,
  source text not null,
  received_at timestamptz,
  ingest_seq bigint not null
) partition by range (ts);
create index ticks_symbol_ts on ticks (symbol, ts, ingest_seq);
-- ingest_seq grows with every batch, so a block-range index finds "after N" at almost no write cost.
create index ticks_ingest_seq on ticks using brin (ingest_seq);

create table candles (
  symbol text not null,
  interval text not null,
  start timestamptz not null,
  "end" timestamptz not null,
  open float8 not null,
  high float8 not null,
  low float8 not null,
  close float8 not null,
  volume float8 not null,
  trades bigint not null,
  vwap float8,
  revision integer not null default 0,
  closed boolean not null,
  updated_at timestamptz not null default now(),
  primary key (symbol, interval, start)
);

create table anomalies (
  id bigint generated always as identity primary key,
  symbol text not null,
  direction text not null check (direction in ('up', 'down')),
  price float8 not null,
  ts timestamptz not null,
  reference_price float8 not null,
  reference_ts timestamptz not null,
  change_percent float8 not null,
  severity text not null check (severity in ('medium', 'high', 'critical')),
  window_ms integer not null,
  threshold_percent float8 not null,
  -- the tick that fired it
  ingest_seq bigint not null,
  created_at timestamptz not null default now()
);
create index anomalies_symbol_ts on anomalies (symbol, ts desc, id desc);
create index anomalies_ts on anomalies (ts desc, id desc);
create index anomalies_ingest_seq on anomalies (ingest_seq);

-- Per-symbol statistics, with the engine's whole per-symbol state (an opaque JSON snapshot) as of
-- ingest sequence snapshot_seq, written every few seconds for the symbols that changed.
create table symbol_stats (
  symbol text primary key,
  current_price float8 not null,
  moving_average float8 not null,
  update_count bigint not null,
  min_price float8 not null,
  max_price float8 not null,
  volume float8 not null,
  last_update_time timestamptz not null,
  change_from_average float8 not null,
  snapshot json not null,
  snapshot_seq bigint not null,
  updated_at timestamptz not null default now()
);

-- The writer's progress, one row: the last committed ingest sequence, the sequence the stored
-- snapshots are valid at, and the number of the last committed write (retries check it, so a
-- write whose commit was acknowledged late is never applied twice).
create table storage_state (
  id boolean primary key default true check (id),
  committed_seq bigint not null default 0,
  snapshot_seq bigint not null default 0,
  write_no bigint not null default 0,
  updated_at timestamptz not null default now()
);
insert into storage_state default values;
`;

const AUTH = `
-- Usernames and emails are unique regardless of case ("Alice" cannot shadow "alice").
create table users (
  id text primary key,
  username text not null,
  email text not null,
  password_hash text not null,
  first_name text,
  last_name text,
  role text not null check (role in ('admin', 'writer', 'reader')),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index users_username_key on users (lower(username));
create unique index users_email_key on users (lower(email));

create table refresh_tokens (
  token_hash text primary key,
  user_id text not null references users (id) on delete cascade,
  family_id text not null,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  used_at timestamptz,
  replaced_by text,
  revoked_at timestamptz
);
create index refresh_tokens_family on refresh_tokens (family_id);
create index refresh_tokens_user on refresh_tokens (user_id);

create table api_keys (
  id text primary key,
  name text not null,
  prefix text not null,
  key_hash text not null unique,
  role text not null check (role in ('admin', 'writer', 'reader')),
  created_by text references users (id) on delete set null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
`;

const SYMBOL_NAMES = `
-- A display name per symbol ("Apple Inc."), set through the API or from configured defaults. A
-- symbol may be named before its first tick is stored: its row then has no prices yet, and the
-- symbol lists skip it until the writer fills them in.
alter table symbols add column name text;
alter table symbols alter column first_seen drop not null;
alter table symbols alter column last_seen drop not null;
alter table symbols alter column last_price drop not null;
alter table symbols alter column last_price_ts drop not null;
`;

export const MIGRATIONS: readonly Migration[] = Object.freeze([
  { version: 1, name: 'market data: symbols, ticks, candles, anomalies, symbol_stats', sql: MARKET_DATA },
  { version: 2, name: 'auth: users, refresh_tokens, api_keys', sql: AUTH },
  { version: 3, name: 'symbols: display name', sql: SYMBOL_NAMES },
]);
