import type { TickBatch } from '../../engine/tick-batch.js';
import { TickDecoder } from '../tick-decoder.js';

/**
 * The binary TCP ingest framing (docs/ingest.md): each tick is a 4-byte big-endian unsigned length
 * followed by that many bytes of a protobuf `marketdata.Tick`.
 *
 * A pure, incremental decoder: it takes the byte stream in chunks cut anywhere (inside the length,
 * inside a field) and appends the same ticks to a {@link TickBatch} however the stream was cut.
 * Complete frames are parsed where they lie in the chunk; only a frame split across chunks is
 * copied, into one scratch buffer reused for the connection's life. So a frame costs no allocation
 * beyond the tick itself (the batch's columns, an interned symbol, an id when one is sent).
 *
 * Two outcomes are not ticks:
 * - a malformed message inside a well-framed frame: counted in `malformed`, skipped; the stream
 *   stays in step because the length said where the next frame starts;
 * - a length of 0 or above `maxFrameBytes`: a framing error, fatal, since nothing after it can be
 *   trusted to be in step. The decoder stops and reports it in `error`; the server closes.
 */

/** Why a stream's framing failed. Stable strings: metrics and logs use them. */
export const FrameError = {
  /** A length prefix of 0: no message is empty on this protocol. */
  Empty: 'frame_empty',
  /** A length prefix above the limit (1,000,000 bytes). */
  TooLarge: 'frame_too_large',
} as const;
export type FrameError = (typeof FrameError)[keyof typeof FrameError];

/** The largest frame body accepted, in bytes (the earlier server's limit). */
export const MAX_FRAME_BYTES = 1_000_000;
const HEADER_BYTES = 4;

export class FrameDecoder {
  /** Complete frames read, malformed ones included. */
  frames = 0;
  /** Frames whose protobuf message was malformed (skipped). */
  malformed = 0;
  /** The framing error that stopped the decoder, if one did. */
  error: FrameError | undefined = undefined;
  /** The length prefix that caused `error`. */
  errorLength = 0;

  readonly #maxFrameBytes: number;
  readonly #ticks: TickDecoder;
  /** A frame split across chunks: header bytes seen (0–4), its length, its body so far. */
  #headerBytes = 0;
  #header = 0;
  #body: Uint8Array = new Uint8Array(256);
  #bodyFill = 0;

  constructor(options: { maxFrameBytes?: number; ticks?: TickDecoder } = {}) {
    this.#maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
    this.#ticks = options.ticks ?? new TickDecoder();
  }

  /** Bytes of an incomplete frame held back; non-zero when a stream ends means a truncated frame. */
  get pending(): number {
    return this.#headerBytes + this.#bodyFill;
  }

  /**
   * Decodes frames from `chunk` starting at `offset`, appending their ticks to `batch`. Returns
   * the offset it stopped at: `chunk.length` when the chunk is used up (a trailing partial frame
   * is held inside), less when `batch` became full (ingest it, clear it, call again with the
   * returned offset) or a framing error occurred (see `error`; later calls do nothing).
   */
  decode(chunk: Uint8Array, offset: number, batch: TickBatch): number {
    let pos = offset;
    const end = chunk.length;
    if (this.error !== undefined) return pos;
    if (this.#headerBytes > 0) {
      if (batch.length === batch.capacity) return pos;
      pos = this.#resume(chunk, pos, batch);
      if (this.#headerBytes > 0 || this.error !== undefined) return pos;
    }
    const max = this.#maxFrameBytes;
    const ticks = this.#ticks;
    while (batch.length < batch.capacity && end - pos >= HEADER_BYTES) {
      const length =
        chunk[pos]! * 0x1000000 + ((chunk[pos + 1]! << 16) | (chunk[pos + 2]! << 8) | chunk[pos + 3]!);
      if (length === 0 || length > max) return this.#fail(pos, length);
      const body = pos + HEADER_BYTES;
      if (end - body < length) break;
      this.frames++;
      if (!ticks.decode(chunk, body, body + length, batch)) this.malformed++;
      pos = body + length;
    }
    if (batch.length === batch.capacity || pos === end) return pos;
    // A frame starts here and ends in a later chunk: keep what there is of it.
    return this.#resume(chunk, pos, batch);
  }

  /** Continues (or starts) the split frame with `chunk[pos…]`; returns the position after what it took. */
  #resume(chunk: Uint8Array, pos: number, batch: TickBatch): number {
    const end = chunk.length;
    while (this.#headerBytes < HEADER_BYTES) {
      if (pos === end) return pos;
      this.#header = this.#header * 256 + chunk[pos++]!;
      this.#headerBytes++;
      if (this.#headerBytes === HEADER_BYTES) {
        const length = this.#header;
        if (length === 0 || length > this.#maxFrameBytes) {
          this.#headerBytes = 0;
          this.#header = 0;
          return this.#fail(pos, length);
        }
        if (length > this.#body.length) this.#grow(length);
      }
    }
    const length = this.#header;
    const take = Math.min(length - this.#bodyFill, end - pos);
    if (take > 0) {
      this.#body.set(chunk.subarray(pos, pos + take), this.#bodyFill);
      this.#bodyFill += take;
      pos += take;
    }
    if (this.#bodyFill < length) return pos;
    this.frames++;
    if (!this.#ticks.decode(this.#body, 0, length, batch)) this.malformed++;
    this.#headerBytes = 0;
    this.#header = 0;
    this.#bodyFill = 0;
    return pos;
  }

  #grow(length: number): void {
    let size = this.#body.length;
    while (size < length) size *= 2;
    this.#body = new Uint8Array(Math.min(size, this.#maxFrameBytes));
  }

  #fail(pos: number, length: number): number {
    this.error = length === 0 ? FrameError.Empty : FrameError.TooLarge;
    this.errorLength = length;
    return pos;
  }
}
