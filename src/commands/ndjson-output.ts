import type { Writable } from 'node:stream';

/**
 * Buffered NDJSON lines to a stream, honouring backpressure: `write` queues, `flushIfFull`
 * writes once 64 KiB are queued (await it between inputs), `end` writes the rest.
 */
export class NdjsonOutput {
  readonly #stream: Writable;
  #chunks: string[] = [];
  #size = 0;

  constructor(stream: Writable) {
    this.#stream = stream;
  }

  write(value: unknown): void {
    const line = JSON.stringify(value) + '\n';
    this.#chunks.push(line);
    this.#size += line.length;
  }

  async flushIfFull(): Promise<void> {
    if (this.#size >= 65_536) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#chunks.length === 0) return;
    const text = this.#chunks.join('');
    this.#chunks = [];
    this.#size = 0;
    if (!this.#stream.write(text)) await new Promise<void>((resolve) => this.#stream.once('drain', resolve));
  }
}
