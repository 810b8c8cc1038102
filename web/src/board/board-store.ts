import { systemClock, type Clock } from '../clock';
import type { ChannelEvent } from '../stream/channel-sequencer';
import { normalizeStatsList, priceMove, type BoardRow, type SymbolStats } from './board-model';

/**
 * The board's rows, fed by `stats.*`. Updates can arrive thousands of times a second; the store
 * applies each at once but tells React at most every `notifyMs`, so the board re-renders a few
 * times a second whatever the tick rate.
 */
export class BoardStore {
  readonly #rows = new Map<string, BoardRow>();
  readonly #listeners = new Set<() => void>();
  readonly #clock: Clock;
  readonly #notifyMs: number;
  #snapshot: readonly BoardRow[] = [];
  #timer: unknown = null;
  #loaded = false;

  constructor(options: { clock?: Clock; notifyMs?: number } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#notifyMs = options.notifyMs ?? 200;
  }

  /** For useSyncExternalStore. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** For useSyncExternalStore: the same array until something changed. */
  readonly getSnapshot = (): readonly BoardRow[] => this.#snapshot;

  /** True once a snapshot (or a REST seed) has arrived: an empty board then means no symbols yet. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** Sum of every symbol's accepted ticks: its change over time is the live tick rate. */
  totalUpdates(): number {
    let total = 0;
    for (const row of this.#rows.values()) {
      if (Number.isFinite(row.stats.updateCount)) total += row.stats.updateCount;
    }
    return total;
  }

  handle = (event: ChannelEvent): void => {
    if (event.type === 'snapshot') {
      const stats = normalizeStatsList(event.data);
      const symbols = new Set(stats.map((s) => s.symbol));
      for (const symbol of this.#rows.keys()) if (!symbols.has(symbol)) this.#rows.delete(symbol);
      for (const s of stats) this.#put(s);
      this.#loaded = true;
      this.#changed();
    } else if (event.type === 'update') {
      for (const s of normalizeStatsList(event.data)) this.#put(s);
      this.#changed();
    }
    // A gap needs nothing: every stats message is the symbol's full state.
  };

  /** Stats from REST (`GET /api/prices`): fill in symbols the stream has not brought, never overwrite newer. */
  seed(stats: readonly SymbolStats[]): void {
    let changed = false;
    for (const s of stats) {
      const current = this.#rows.get(s.symbol);
      if (current && !(s.updateCount > current.stats.updateCount)) continue;
      this.#put(s);
      changed = true;
    }
    if (!this.#loaded || changed) {
      this.#loaded = true;
      this.#changed();
    }
  }

  dispose(): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#listeners.clear();
  }

  #put(stats: SymbolStats): void {
    const current = this.#rows.get(stats.symbol);
    const move = priceMove(current?.stats.currentPrice, stats.currentPrice);
    this.#rows.set(stats.symbol, {
      stats,
      move: move ?? current?.move ?? null,
      moveSeq: (current?.moveSeq ?? 0) + (move ? 1 : 0),
    });
  }

  #changed(): void {
    if (this.#timer !== null) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#snapshot = [...this.#rows.values()];
      for (const listener of [...this.#listeners]) listener();
    }, this.#notifyMs);
  }
}
