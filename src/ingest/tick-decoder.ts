import type { TickBatch } from '../engine/tick-batch.js';
import { SymbolInterner } from './symbol-interner.js';

/**
 * A hand-written parser of the protobuf `marketdata.Tick` message (proto/marketdata.proto) that
 * writes the tick straight into a {@link TickBatch}: no message object, no Long, no reflection.
 * It reads the wire format itself (varints, little-endian doubles, length-delimited strings), so
 * a tick costs a few dozen byte reads, and a known symbol no string allocation (see
 * {@link SymbolInterner}). Pure: bytes in, columns out.
 *
 * Field rules (proto3, as protobufjs and the C++ runtime read them): fields in any order, the last
 * occurrence of a field wins, unknown fields are skipped by their wire type. A message the wire
 * format cannot describe (a truncated field, a known field with the wrong wire type, a group, field
 * number 0, a varint longer than ten bytes) is malformed: the decoder reports it and appends nothing.
 *
 * Values are handed to the engine, which validates them (DESIGN §3.1); values that are wrong in a
 * way the engine could not see are turned into values it refuses for the right reason:
 * a negative `volume` becomes NaN (`invalid_volume`), a negative `exchange_timestamp` and a `seq`
 * above 2^53 − 1 become −1 (`invalid_timestamp`, `invalid_seq`). `exchange_timestamp` 0 (unset)
 * means the receive time; others are nanoseconds, truncated to milliseconds exactly (they exceed
 * 2^53, so they are never converted to a double whole). `ingest_timestamp` is the server's to set
 * and is skipped.
 */
export class TickDecoder {
  readonly #interner: SymbolInterner;
  /** The last varint read, as two unsigned 32-bit halves. Numeric initializers: see tsconfig. */
  #lo = 0;
  #hi = 0;
  /** A DataView of the memory last decoded from (for little-endian doubles): made once per chunk
   *  of a socket, or per HTTP/2 frame of a gRPC stream, not per message. */
  #view: DataView = new DataView(new ArrayBuffer(8));
  #viewOf: Uint8Array | undefined = undefined;
  #base = 0;

  constructor(interner: SymbolInterner = new SymbolInterner()) {
    this.#interner = interner;
  }

  /**
   * Decodes the message in `buf[start, end)` and appends its tick to `batch`, which must not be
   * full. Returns false, appending nothing, when the message is malformed.
   */
  decode(buf: Uint8Array, start: number, end: number, batch: TickBatch): boolean {
    let symbol = '';
    let symbolNumber = -1;
    let price = 0;
    let volume = 0;
    let fractional = 0;
    let hasFractional = false;
    let ts = NaN;
    let seq = NaN;
    let id: string | undefined;
    let pos = start;
    if (buf !== this.#viewOf) this.#see(buf);
    const view = this.#view;
    const base = this.#base;
    while (pos < end) {
      let key = buf[pos]!;
      if (key < 0x80) pos++;
      else {
        pos = this.#varint(buf, pos, end);
        if (pos < 0 || this.#hi !== 0) return false;
        key = this.#lo;
      }
      switch (key) {
        case 0x0a: {
          // 1 symbol, length-delimited
          pos = this.#length(buf, pos, end);
          if (pos < 0) return false;
          symbol = this.#interner.intern(buf, pos, pos + this.#lo);
          symbolNumber = this.#interner.lastNumber;
          pos += this.#lo;
          break;
        }
        case 0x11: {
          // 2 price, 64-bit
          if (end - pos < 8) return false;
          price = view.getFloat64(base + pos, true);
          pos += 8;
          break;
        }
        case 0x18: {
          // 3 volume, varint int64
          pos = this.#varint(buf, pos, end);
          if (pos < 0) return false;
          volume = this.#hi >= 0x80000000 ? NaN : this.#hi * 4294967296 + this.#lo;
          break;
        }
        case 0x20: {
          // 4 exchange_timestamp, varint int64 ns
          pos = this.#varint(buf, pos, end);
          if (pos < 0) return false;
          const hi = this.#hi;
          const lo = this.#lo;
          ts = hi >= 0x80000000 ? -1 : hi === 0 && lo === 0 ? NaN : nsToMs(hi, lo);
          break;
        }
        case 0x30: {
          // 6 seq, varint uint64
          pos = this.#varint(buf, pos, end);
          if (pos < 0) return false;
          seq = this.#hi > 0x1fffff ? -1 : this.#hi * 4294967296 + this.#lo;
          break;
        }
        case 0x3a: {
          // 7 id, length-delimited
          pos = this.#length(buf, pos, end);
          if (pos < 0) return false;
          id = utf8.decode(buf.subarray(pos, pos + this.#lo));
          pos += this.#lo;
          break;
        }
        case 0x41: {
          // 8 fractional_volume, 64-bit
          if (end - pos < 8) return false;
          fractional = view.getFloat64(base + pos, true);
          hasFractional = true;
          pos += 8;
          break;
        }
        default: {
          // 5 ingest_timestamp (the server's), unknown fields: skip by wire type.
          const field = key >>> 3;
          if (field === 0 || (field <= LAST_KNOWN_FIELD && key !== 0x28)) return false;
          pos = this.#skip(buf, pos, end, key & 7);
          if (pos < 0) return false;
        }
      }
    }
    if (hasFractional) volume = fractional;
    batch.push(symbol, price, volume, ts, seq, id);
    // Every row this decoder writes has its number (−1 when none): the batch is numbered.
    batch.symbolNumbers[batch.length - 1] = symbolNumber;
    batch.numbered = true;
    return true;
  }

  #see(buf: Uint8Array): void {
    this.#viewOf = buf;
    this.#base = buf.byteOffset;
    if (this.#view.buffer !== buf.buffer) this.#view = new DataView(buf.buffer);
  }

  /** Reads a varint at `pos` into #hi/#lo; returns the position after it, −1 if truncated or too long. */
  #varint(buf: Uint8Array, pos: number, end: number): number {
    let lo = 0;
    let hi = 0;
    let b: number;
    // Bits 0–27 in four bytes.
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) return -1;
      b = buf[pos++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.#lo = lo >>> 0;
        this.#hi = 0;
        return pos;
      }
    }
    // Byte 5: bits 28–31 to lo, 32–34 to hi.
    if (pos >= end) return -1;
    b = buf[pos++]!;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >>> 4;
    if (b >= 0x80) {
      for (let shift = 3; ; shift += 7) {
        if (shift > 31) return -1; // an eleventh byte: not a varint
        if (pos >= end) return -1;
        b = buf[pos++]!;
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    this.#lo = lo >>> 0;
    this.#hi = hi >>> 0;
    return pos;
  }

  /** Reads a length prefix into #lo; returns the position after it, −1 unless the bytes fit. */
  #length(buf: Uint8Array, pos: number, end: number): number {
    pos = this.#varint(buf, pos, end);
    if (pos < 0 || this.#hi !== 0 || this.#lo > end - pos) return -1;
    return pos;
  }

  #skip(buf: Uint8Array, pos: number, end: number, wireType: number): number {
    switch (wireType) {
      case 0:
        return this.#varint(buf, pos, end);
      case 1:
        return end - pos >= 8 ? pos + 8 : -1;
      case 2: {
        pos = this.#length(buf, pos, end);
        return pos < 0 ? -1 : pos + this.#lo;
      }
      case 5:
        return end - pos >= 4 ? pos + 4 : -1;
      default:
        return -1; // groups (3, 4) are not proto3; 6 and 7 do not exist
    }
  }
}

const utf8 = new TextDecoder('utf-8');
/** Tick fields 1–8 are known; a known field with another wire type than its own is malformed. */
const LAST_KNOWN_FIELD = 8;

/**
 * ⌊ns / 10^6⌋ of the non-negative 64-bit integer hi·2^32 + lo, exactly: 2^32 = 4294·10^6 + 967296,
 * so ns = hi·4294·10^6 + (hi·967296 + lo), where the second term stays below 2^52.
 */
export function nsToMs(hi: number, lo: number): number {
  const rest = hi * 967296 + lo;
  let q = Math.floor(rest / 1e6);
  if (q * 1e6 > rest) q--;
  return hi * 4294 + q;
}
