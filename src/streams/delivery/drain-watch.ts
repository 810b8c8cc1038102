/** What a drain watch looks after: a send buffer that is behind. */
export interface Pumpable {
  pump(now: number): void;
}

/**
 * Visits the send buffers that are behind every `intervalMs`, so they flush once their socket has
 * drained (or close when stuck) even when no new message comes to trigger it. The timer runs only
 * while some buffer is behind.
 */
export class DrainWatch {
  readonly #behind = new Set<Pumpable>();
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(intervalMs = 20) {
    this.#intervalMs = intervalMs;
  }

  get size(): number {
    return this.#behind.size;
  }

  add(buffer: Pumpable): void {
    this.#behind.add(buffer);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#pump(), this.#intervalMs);
      this.#timer.unref();
    }
  }

  delete(buffer: Pumpable): void {
    this.#behind.delete(buffer);
    if (this.#behind.size === 0) this.stop();
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #pump(): void {
    const now = Date.now();
    for (const buffer of [...this.#behind]) buffer.pump(now);
  }
}
