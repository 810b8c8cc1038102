/**
 * Duplicate and gap detection for one symbol (DESIGN §3.2):
 * - by sequence number, per source: `seq ≤ last` is a duplicate, `seq > last + 1` leaves a gap;
 * - by id: an id among the last `dedupeCapacity` accepted ids of the symbol is a duplicate.
 *
 * Checking and recording are separate because a tick checked here may still be refused later
 * (late, overloaded), and a refused tick must change no state.
 */
export class SequenceTracker {
  readonly dedupeCapacity: number;
  readonly #lastSeq = new Map<string, number>();
  #ids: Set<string> | undefined;
  /** Accepted ids in arrival order, a ring of `dedupeCapacity`, to evict the oldest from the set. */
  #idRing: string[] = [];
  #idNext = 0;

  constructor(dedupeCapacity: number) {
    if (!Number.isInteger(dedupeCapacity) || dedupeCapacity < 0) {
      throw new RangeError(`dedupeCapacity must be an integer ≥ 0, got ${dedupeCapacity}`);
    }
    this.dedupeCapacity = dedupeCapacity;
  }

  /** Last accepted sequence number of `source`, or -1 when it has sent none. */
  lastSeq(source: string): number {
    return this.#lastSeq.get(source) ?? -1;
  }

  /** Whether a tick with this seq and id would be a duplicate. */
  isDuplicate(source: string, seq: number | undefined, id: string | undefined): boolean {
    if (seq !== undefined && seq <= this.lastSeq(source)) return true;
    return id !== undefined && this.#ids !== undefined && this.#ids.has(id);
  }

  /** Records an accepted tick's seq and id. */
  record(source: string, seq: number | undefined, id: string | undefined): void {
    if (seq !== undefined) this.#lastSeq.set(source, seq);
    if (id !== undefined && this.dedupeCapacity > 0) this.#rememberId(id);
  }

  #rememberId(id: string): void {
    const ids = (this.#ids ??= new Set());
    const ring = this.#idRing;
    if (ring.length < this.dedupeCapacity) {
      ring.push(id);
    } else {
      ids.delete(ring[this.#idNext]!);
      ring[this.#idNext] = id;
      this.#idNext = (this.#idNext + 1) % this.dedupeCapacity;
    }
    ids.add(id);
  }

  /** Last seq per source (for snapshots and recovery). */
  sequences(): Array<{ source: string; seq: number }> {
    return [...this.#lastSeq].map(([source, seq]) => ({ source, seq }));
  }

  /** The remembered ids, oldest first (for snapshots and recovery). */
  ids(): string[] {
    const ring = this.#idRing;
    return ring.length < this.dedupeCapacity
      ? [...ring]
      : [...ring.slice(this.#idNext), ...ring.slice(0, this.#idNext)];
  }
}
