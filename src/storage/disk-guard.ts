import { readdir, stat, statfs } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import type { Logger } from '../observability/logger.js';

/**
 * Watches the data directory: its size and growth (for `/api/metrics` and the dashboard), and the
 * free space of its disk. Below `minFreeBytes` the guard closes: raw ticks are no longer stored
 * (the storage writer asks {@link DiskGuard.storesTicks}), while candles, anomalies, statistics
 * and reads go on, so a default run cannot fill a laptop's disk. It opens again once the free
 * space is back above the floor. Each change is one log line.
 */

export interface DiskMeasure {
  readonly sizeBytes: number;
  readonly freeBytes: number;
}

export interface DiskGuardOptions {
  readonly dataDir: string;
  /** 0: never refuse. */
  readonly minFreeBytes: number;
  readonly checkIntervalMs: number;
  /** The measurement (tests replace it). */
  readonly measure?: ((dataDir: string) => Promise<DiskMeasure>) | undefined;
  readonly now?: (() => number) | undefined;
  /** Told when the guard closes (false) or opens again (true). */
  readonly onChange?: ((storesTicks: boolean) => void) | undefined;
}

export interface DiskStatus {
  readonly dataDir: string;
  readonly sizeBytes: number | null;
  /** Growth of the data directory over the last minutes, in bytes per hour (null until measured twice). */
  readonly growthBytesPerHour: number | null;
  readonly freeBytes: number | null;
  readonly minFreeBytes: number;
  /** `stored`, or `refused` while free space is below the floor. */
  readonly rawTicks: 'stored' | 'refused';
}

/** Samples kept for the growth rate. */
const GROWTH_WINDOW_MS = 600_000;

export class DiskGuard {
  readonly #options: DiskGuardOptions;
  readonly #log: Logger;
  readonly #measure: (dataDir: string) => Promise<DiskMeasure>;
  readonly #now: () => number;
  readonly #samples: Array<{ at: number; sizeBytes: number }> = [];
  #last: DiskMeasure | undefined;
  #low = false;
  /** When the guard last closed (wall-clock ms, the clock of a tick's receive time). */
  #lowSince = 0;
  #walking = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: DiskGuardOptions, log: Logger) {
    this.#options = options;
    this.#log = log;
    this.#measure = options.measure ?? measureDataDir;
    this.#now = options.now ?? Date.now;
  }

  /** False while free space is below the floor. */
  get storesTicks(): boolean {
    return !this.#low;
  }

  /**
   * Whether a tick received at `receivedAt` (wall-clock ms) is stored: yes while the guard is open,
   * and for ticks received before it closed. A threaded engine hands a tick to the writer a little
   * after it was taken in; what was admitted while the guard was open is stored as on one thread.
   */
  storesTickReceivedAt(receivedAt: number): boolean {
    return !this.#low || receivedAt <= this.#lowSince;
  }

  async start(): Promise<void> {
    await this.check();
    this.#timer = setInterval(() => void this.check(), this.#options.checkIntervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Measures now and opens or closes the guard. */
  async check(): Promise<void> {
    // The floor is checked from the disk's free space first (one statfs): walking a large data
    // directory takes a turn of the event loop per file, and under a heavy ingest the disk filled
    // (a 96 MB tmpfs, 25 MB under the floor) before one walk ended (test/faults/disk-full.test.ts).
    if (this.#options.measure === undefined) {
      try {
        this.#apply(await freeSpace(resolve(this.#options.dataDir)));
      } catch {
        // said below
      }
      // One walk at a time: checks due while one runs only look at the free space.
      if (this.#walking) return;
    }
    let measured: DiskMeasure;
    this.#walking = true;
    try {
      measured = await this.#measure(this.#options.dataDir);
    } catch (err) {
      this.#log.warn({ err: (err as Error).message }, 'data directory cannot be measured');
      return;
    } finally {
      this.#walking = false;
    }
    this.#last = measured;
    const at = this.#now();
    this.#samples.push({ at, sizeBytes: measured.sizeBytes });
    while (this.#samples.length > 2 && at - this.#samples[0]!.at > GROWTH_WINDOW_MS) this.#samples.shift();
    this.#apply(measured.freeBytes);
  }

  #apply(freeBytes: number): void {
    const measured = { freeBytes };
    const floor = this.#options.minFreeBytes;
    const low = floor > 0 && measured.freeBytes < floor;
    if (low && !this.#low)
      this.#log.error(
        { freeBytes: measured.freeBytes, minFreeBytes: floor, dataDir: this.#options.dataDir },
        'disk space below the floor: raw ticks are refused (not stored); candles, anomalies and reads go on',
      );
    else if (!low && this.#low)
      this.#log.warn(
        { freeBytes: measured.freeBytes, minFreeBytes: floor },
        'disk space back above the floor: raw ticks are stored again',
      );
    const changed = low !== this.#low;
    if (low && !this.#low) this.#lowSince = Date.now();
    this.#low = low;
    if (changed) this.#options.onChange?.(!low);
  }

  status(): DiskStatus {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    const span = first !== undefined && last !== undefined ? last.at - first.at : 0;
    return {
      dataDir: this.#options.dataDir,
      sizeBytes: this.#last?.sizeBytes ?? null,
      growthBytesPerHour:
        span > 0 ? Math.round(((last!.sizeBytes - first!.sizeBytes) / span) * 3_600_000) : null,
      freeBytes: this.#last?.freeBytes ?? null,
      minFreeBytes: this.#options.minFreeBytes,
      rawTicks: this.#low ? 'refused' : 'stored',
    };
  }
}

/** Bytes of every file under `dataDir` (0 when it does not exist), and the free bytes of its disk. */
export async function measureDataDir(dataDir: string): Promise<DiskMeasure> {
  const dir = resolve(dataDir);
  return { sizeBytes: await directorySize(dir), freeBytes: await freeSpace(dir) };
}

async function directorySize(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await directorySize(path);
    else if (entry.isFile())
      total += await stat(path).then(
        (s) => s.size,
        () => 0,
      );
  }
  return total;
}

/** Free bytes for an unprivileged user on the disk of `path` (or its nearest existing parent). */
async function freeSpace(path: string): Promise<number> {
  for (let at = path; ; at = dirname(at)) {
    try {
      const fs = await statfs(at);
      return fs.bavail * fs.bsize;
    } catch (err) {
      if (dirname(at) === at) throw err;
    }
  }
}
