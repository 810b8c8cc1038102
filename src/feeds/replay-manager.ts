import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';

import { normalizeSymbol, type RawTick } from '../core/tick.js';
import { ErrorCode, TickstreamError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { parseFieldMap } from './field-map.js';
import { createTickReader, TickFormat } from './read-ticks.js';
import {
  loadReplayTicks,
  Replay,
  ReplayState,
  type ReplayClock,
  type ReplayIngestResult,
  type ReplayStatus,
  type ReplayTick,
} from './replay.js';

/**
 * The server's replays (`/api/replays`): each plays a file on the server or a stored range
 * through the engine, like a live producer with source `replay:<id>`, bounded by the storage
 * writer's admission. Several may run at once; each reports its state and progress through
 * `onChange` (the hub's `replays` channel).
 *
 * Files are confined to the allowed directories: a path outside them is refused before anything
 * is opened (checked on the path as given, then on the real path, so a symbolic link cannot lead
 * out).
 */

export interface ReplayRequest {
  /** A CSV or NDJSON file on the server (inside an allowed directory). */
  readonly file?: string | undefined;
  readonly format?: 'csv' | 'ndjson' | undefined;
  readonly map?: string | undefined;
  /** Or: stored ticks of these symbols. */
  readonly symbols?: readonly string[] | undefined;
  /** Recorded time range, epoch ms: from inclusive, to exclusive. */
  readonly fromTs?: number | undefined;
  readonly toTs?: number | undefined;
  /** Recorded ms per wall-clock ms; Infinity: max. */
  readonly speed: number;
  readonly rebase: boolean;
  readonly loop: boolean;
  /** Store the replayed raw ticks (candles and anomalies are stored either way). */
  readonly store: boolean;
}

export interface ReplayInfo extends ReplayStatus {
  readonly id: string;
  readonly source: string;
  readonly file: string | null;
  readonly symbols: readonly string[] | null;
  readonly store: boolean;
  readonly createdBy: string | null;
  /** Epoch ms. */
  readonly createdAt: number;
}

/** A page of stored ticks (the market data store's `ticks` answers with this shape). */
export interface StoredTickPage {
  readonly ticks: ReadonlyArray<{
    readonly symbol: string;
    readonly ts: number;
    readonly price: number;
    readonly volume: number;
    readonly seq: number | null;
    readonly id: string | null;
    readonly ingestSeq: number;
  }>;
  readonly nextCursor: string | null;
}

export interface StoredTickQuery {
  readonly symbol: string;
  readonly from?: number;
  readonly to?: number;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface ReplayManagerOptions {
  /** The engine's ingest (src/main.ts wires it): replayed ticks take the live path. */
  readonly ingest: (
    ticks: readonly RawTick[],
    source: string,
    receivedAt: number,
  ) => ReplayIngestResult | Promise<ReplayIngestResult>;
  /** Throws where this process takes no ticks (a cluster node without the ingest role). */
  readonly assertTakesTicks?: (() => void) | undefined;
  /** Room downstream (the storage writer's admission): a replay waits for it. */
  readonly admission?: { available(): number } | undefined;
  /** Stored ticks, for replays of a stored range. */
  readonly ticks?: ((query: StoredTickQuery) => Promise<StoredTickPage>) | undefined;
  /** Directories files may be read from (absolute or relative to the working directory). */
  readonly allowedDirs: readonly string[];
  readonly maxConcurrent: number;
  readonly maxTicks: number;
  /** Tells storage whether to keep the raw ticks of a source. */
  readonly storeTicks?: ((source: string, store: boolean) => void) | undefined;
  /** State changes at once, progress at most every `progressEveryMs`. */
  readonly onChange?: ((info: ReplayInfo) => void) | undefined;
  readonly progressEveryMs?: number | undefined;
  readonly clock?: ReplayClock | undefined;
  readonly log?: Logger | undefined;
}

/** Ended replays kept for GET (the oldest go first). */
const KEEP_ENDED = 20;
const STORED_PAGE = 10_000;

interface Entry {
  readonly replay: Replay;
  readonly meta: Omit<ReplayInfo, keyof ReplayStatus>;
  lastPublished: number;
  lastState: ReplayState | undefined;
}

export class ReplayManager {
  readonly #options: ReplayManagerOptions;
  readonly #replays = new Map<string, Entry>();
  readonly #unstored = new Set<string>();

  constructor(options: ReplayManagerOptions) {
    this.#options = options;
  }

  /** True while every replay stores its raw ticks. */
  get storesAll(): boolean {
    return this.#unstored.size === 0;
  }

  /** Whether the raw ticks of `source` are stored (false for replays started with `store: false`). */
  stores(source: string): boolean {
    return this.#unstored.size === 0 || !this.#unstored.has(source);
  }

  list(): ReplayInfo[] {
    return [...this.#replays.values()].map((e) => info(e));
  }

  get(id: string): ReplayInfo {
    return info(this.#entry(id));
  }

  /**
   * The tick files a replay may read: CSV and NDJSON files directly in the allowed directories,
   * as paths to give back in `file`, with a `map` suggested by a CSV header without a `symbol`
   * column (the NASDAQ file's ticker is in `id`).
   */
  async files(): Promise<Array<{ file: string; sizeBytes: number; map: string | null }>> {
    const out: Array<{ file: string; sizeBytes: number; map: string | null }> = [];
    for (const dir of this.#options.allowedDirs) {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch {
        continue;
      }
      for (const name of names.sort()) {
        if (!/\.(csv|ndjson|jsonl)$/i.test(name)) continue;
        const path = join(dir, name);
        const info = await stat(path).catch(() => undefined);
        if (info === undefined || !info.isFile()) continue;
        out.push({
          file: relative(process.cwd(), resolve(path)) || path,
          sizeBytes: info.size,
          map: await suggestMap(path),
        });
      }
    }
    return out;
  }

  async start(request: ReplayRequest, createdBy: string | null): Promise<ReplayInfo> {
    this.#options.assertTakesTicks?.();
    const running = [...this.#replays.values()].filter((e) => !isOver(e.replay.state)).length;
    if (running >= this.#options.maxConcurrent) {
      throw new TickstreamError(
        ErrorCode.ReplayLimit,
        `${running} replays are running (replay.maxConcurrent): stop one first`,
      );
    }
    let ticks: ReplayTick[];
    let file: string | null = null;
    let symbols: string[] | null = null;
    if (request.file !== undefined) {
      if (request.symbols !== undefined)
        throw new TickstreamError(ErrorCode.BadRequest, 'give either file or symbols, not both');
      file = request.file;
      ticks = await this.#loadFile(request);
    } else if (request.symbols !== undefined && request.symbols.length > 0) {
      symbols = request.symbols.map((raw) => {
        const symbol = normalizeSymbol(raw);
        if (symbol === undefined)
          throw new TickstreamError(ErrorCode.BadRequest, `"${raw}" is not a symbol`, { details: {} });
        return symbol;
      });
      ticks = await this.#loadStored(symbols, request.fromTs, request.toTs);
    } else throw new TickstreamError(ErrorCode.BadRequest, 'a replay needs a file or symbols');

    const id = randomBytes(4).toString('hex');
    const source = `replay:${id}`;
    const { ingest } = this.#options;
    if (!request.store) {
      this.#unstored.add(source);
      this.#options.storeTicks?.(source, false);
    }
    const entry: Entry = {
      meta: { id, source, file, symbols, store: request.store, createdBy, createdAt: Date.now() },
      replay: undefined as unknown as Replay,
      lastPublished: -Infinity,
      lastState: undefined,
    };
    const replay = new Replay({
      ticks,
      speed: request.speed,
      rebase: request.rebase,
      loop: request.loop,
      admission: this.#options.admission,
      clock: this.#options.clock,
      ingest: (batch, receivedAt) => ingest(batch, source, receivedAt),
      onProgress: () => this.#progress(entry),
    });
    (entry as { replay: Replay }).replay = replay;
    this.#replays.set(id, entry);
    this.#trim();
    this.#options.log?.info(
      { replay: id, file, symbols, ticks: ticks.length, speed: request.speed, store: request.store },
      'replay started',
    );
    void replay.done.then((status) => {
      if (!request.store) {
        this.#unstored.delete(source);
        this.#options.storeTicks?.(source, true);
      }
      this.#options.log?.info(
        {
          replay: id,
          state: status.state,
          sent: status.sent,
          accepted: status.accepted,
          error: status.error,
        },
        'replay ended',
      );
    });
    replay.start();
    return info(entry);
  }

  /** Pause or resume, change speed, seek (in that order). */
  update(
    id: string,
    change: { state?: 'paused' | 'running'; speed?: number; positionTs?: number },
  ): ReplayInfo {
    const entry = this.#entry(id);
    const replay = entry.replay;
    if (change.state === 'paused') replay.pause();
    else if (change.state === 'running') replay.resume();
    if (change.speed !== undefined) replay.setSpeed(change.speed);
    if (change.positionTs !== undefined) replay.seek(change.positionTs);
    return info(entry);
  }

  stop(id: string): ReplayInfo {
    const entry = this.#entry(id);
    entry.replay.stop();
    return info(entry);
  }

  /** Stops every replay (server shutdown). */
  close(): void {
    for (const entry of this.#replays.values()) entry.replay.stop();
  }

  #entry(id: string): Entry {
    const entry = this.#replays.get(id);
    if (entry === undefined) throw new TickstreamError(ErrorCode.NotFound, `no replay ${id}`);
    return entry;
  }

  #progress(entry: Entry): void {
    const onChange = this.#options.onChange;
    if (onChange === undefined || entry.replay === undefined) return;
    const state = entry.replay.state;
    const now = Date.now();
    if (state === entry.lastState && now - entry.lastPublished < (this.#options.progressEveryMs ?? 250))
      return;
    entry.lastState = state;
    entry.lastPublished = now;
    onChange(info(entry));
  }

  #trim(): void {
    const ended = [...this.#replays.values()].filter((e) => isOver(e.replay.state));
    for (const entry of ended.slice(0, Math.max(0, ended.length - KEEP_ENDED)))
      this.#replays.delete(entry.meta.id);
  }

  async #loadFile(request: ReplayRequest): Promise<ReplayTick[]> {
    const path = await this.#allowedPath(request.file!);
    let fields;
    try {
      fields = request.map === undefined ? undefined : parseFieldMap(request.map);
    } catch (err) {
      throw new TickstreamError(ErrorCode.BadRequest, `map: ${(err as Error).message}`, { cause: err });
    }
    const format =
      request.format ?? (path.toLowerCase().endsWith('.csv') ? TickFormat.Csv : TickFormat.Ndjson);
    try {
      const loaded = await loadReplayTicks(
        createReadStream(path),
        createTickReader(format, { map: fields }),
        {
          fromTs: request.fromTs,
          toTs: request.toTs,
          maxTicks: this.#options.maxTicks,
        },
      );
      return loaded.ticks;
    } catch (err) {
      throw new TickstreamError(
        ErrorCode.InputUnreadable,
        `cannot read ${request.file}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }

  /** The real path of `file` if it lies inside an allowed directory; refused (unread) otherwise. */
  async #allowedPath(file: string): Promise<string> {
    const refused = (): TickstreamError =>
      new TickstreamError(
        ErrorCode.ReplayPathRefused,
        `${file} is outside the directories replays may read (replay.allowedDirs, dataDir)`,
      );
    const dirs = this.#options.allowedDirs.map((dir) => resolve(dir));
    const wanted = resolve(file);
    if (!dirs.some((dir) => inside(dir, wanted))) throw refused();
    let real: string;
    try {
      real = await realpath(wanted);
    } catch {
      throw new TickstreamError(ErrorCode.NotFound, `no file ${file}`);
    }
    const realDirs = await Promise.all(dirs.map((dir) => realpath(dir).catch(() => dir)));
    if (!realDirs.some((dir) => inside(dir, real))) throw refused();
    const info = await stat(real);
    if (!info.isFile()) throw new TickstreamError(ErrorCode.NotFound, `${file} is not a file`);
    return real;
  }

  async #loadStored(symbols: readonly string[], fromTs?: number, toTs?: number): Promise<ReplayTick[]> {
    const query = this.#options.ticks;
    if (query === undefined) throw new TickstreamError(ErrorCode.NotReady, 'no storage to replay from');
    const rows: Array<ReplayTick & { order: number }> = [];
    for (const symbol of symbols) {
      let cursor: string | undefined;
      do {
        const page = await query({
          symbol,
          ...(fromTs === undefined ? {} : { from: fromTs }),
          ...(toTs === undefined ? {} : { to: toTs }),
          limit: STORED_PAGE,
          ...(cursor === undefined ? {} : { cursor }),
        });
        for (const t of page.ticks) {
          rows.push({
            symbol: t.symbol,
            price: t.price,
            volume: t.volume,
            seq: t.seq ?? undefined,
            id: t.id ?? undefined,
            ts: t.ts,
            order: t.ingestSeq,
          });
          if (rows.length >= this.#options.maxTicks) break;
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined && rows.length < this.#options.maxTicks);
    }
    // One timeline: by event time, ties in their original arrival order.
    rows.sort((a, b) => a.ts - b.ts || a.order - b.order);
    return rows.map(({ order: _order, ...tick }) => tick);
  }
}

/** `symbol=id` for a CSV whose header has no `symbol` column but an `id` one. */
async function suggestMap(path: string): Promise<string | null> {
  if (!path.toLowerCase().endsWith('.csv')) return null;
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const header = buffer.subarray(0, bytesRead).toString('utf8').split(/\r?\n/)[0] ?? '';
    const columns = header.split(',').map((c) => c.trim().replace(/^"|"$/g, '').toLowerCase());
    return !columns.includes('symbol') && columns.includes('id') ? 'symbol=id' : null;
  } finally {
    await handle.close();
  }
}

function info(entry: Entry): ReplayInfo {
  return { ...entry.meta, ...entry.replay.status() };
}

function isOver(state: ReplayState): boolean {
  return state === ReplayState.Finished || state === ReplayState.Stopped || state === ReplayState.Failed;
}

function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}
