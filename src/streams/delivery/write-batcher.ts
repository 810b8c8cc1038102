/** A connection whose socket is corked for the current turn. */
export interface Corked {
  /** Uncorks the socket: everything written this turn goes to the kernel in one writev. */
  release(): void;
}

/**
 * The engine publishes a whole ingest batch synchronously; a connection that gets many messages in
 * that turn corks its socket on the first one, and the batcher uncorks them all in a microtask
 * right after the turn. So a connection costs one system call per batch instead of one per
 * message, and nothing waits longer than the batch itself took.
 */
export class WriteBatcher {
  #corked: Corked[] = [];
  #scheduled = false;
  readonly #flush = (): void => {
    this.#scheduled = false;
    const corked = this.#corked;
    this.#corked = [];
    for (let i = 0; i < corked.length; i++) corked[i]!.release();
  };

  /** Registers a connection that just corked its socket. */
  add(connection: Corked): void {
    this.#corked.push(connection);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#flush);
    }
  }
}
