/**
 * The sending side of proto/marketdata.proto's `Tick`: protobuf messages and TCP frames (a 4-byte
 * big-endian length, then the message), written into one growing buffer with no per-tick
 * allocation beyond UTF-8 encoding of non-ASCII strings. Used by the load generator, the tests and
 * the benchmarks; the server only decodes (tick-decoder.ts).
 */

/** A tick as a sender describes it. Times in epoch ms unless given exactly in ns. */
export interface WireTick {
  readonly symbol: string;
  readonly price: number;
  /** Whole units go to `volume`; a fractional volume also goes to `fractional_volume`. */
  readonly volume?: number | undefined;
  /** Event time, epoch ms (a fraction is kept to the nanosecond it can hold). */
  readonly timestamp?: number | undefined;
  /** Event time in ns, exactly; takes precedence over `timestamp`. */
  readonly timestampNs?: bigint | undefined;
  readonly seq?: number | undefined;
  readonly id?: string | undefined;
  /** Sent as `ingest_timestamp` (ns); the server ignores it. For tests. */
  readonly ingestTimestampNs?: bigint | undefined;
}

const utf8 = new TextEncoder();

export class TickEncoder {
  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;
  /** Scratch for a 64-bit varint as two unsigned halves. */
  #hi = 0;
  #lo = 0;

  constructor(initialBytes = 64 * 1024) {
    this.#buf = new Uint8Array(initialBytes);
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Bytes written since the last `take` or `reset`. */
  get length(): number {
    return this.#pos;
  }

  /** Appends one frame: the length prefix, then the message. */
  frame(tick: WireTick): this {
    this.#ensure(4);
    const at = this.#pos;
    this.#pos += 4;
    this.message(tick);
    this.#view.setUint32(at, this.#pos - at - 4, false);
    return this;
  }

  /** Appends one gRPC length-prefixed message: a 0 byte (not compressed), the length, the message. */
  grpcFrame(tick: WireTick): this {
    this.#ensure(5);
    const at = this.#pos;
    this.#buf[at] = 0;
    this.#pos += 5;
    this.message(tick);
    this.#view.setUint32(at + 1, this.#pos - at - 5, false);
    return this;
  }

  /** Appends the bare message (a gRPC payload, or a frame body). */
  message(tick: WireTick): this {
    this.#ensure(64 + tick.symbol.length * 3 + (tick.id === undefined ? 0 : tick.id.length * 3));
    this.#string(0x0a, tick.symbol);
    this.#byte(0x11);
    this.#double(tick.price);
    const volume = tick.volume ?? 0;
    const whole = Math.trunc(volume);
    if (Number.isFinite(volume) && whole !== 0) {
      this.#int64(whole);
      this.#byte(0x18);
      this.#varint64();
    }
    if (tick.timestampNs !== undefined) {
      this.#fromBigInt(tick.timestampNs);
      this.#byte(0x20);
      this.#varint64();
    } else if (tick.timestamp !== undefined) {
      this.#msToNs(tick.timestamp);
      this.#byte(0x20);
      this.#varint64();
    }
    if (tick.ingestTimestampNs !== undefined) {
      this.#fromBigInt(tick.ingestTimestampNs);
      this.#byte(0x28);
      this.#varint64();
    }
    if (tick.seq !== undefined) {
      this.#int64(tick.seq);
      this.#byte(0x30);
      this.#varint64();
    }
    if (tick.id !== undefined) this.#string(0x3a, tick.id);
    if (volume !== whole || !Number.isFinite(volume)) {
      this.#byte(0x41);
      this.#double(volume);
    }
    return this;
  }

  /** The bytes written so far (a copy), and starts over. */
  take(): Uint8Array {
    const out = this.#buf.slice(0, this.#pos);
    this.#pos = 0;
    return out;
  }

  /** The bytes written so far, without copying: valid until the next write. */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }

  reset(): void {
    this.#pos = 0;
  }

  #ensure(bytes: number): void {
    if (this.#pos + bytes <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + bytes) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  #byte(b: number): void {
    this.#buf[this.#pos++] = b;
  }

  #double(value: number): void {
    this.#view.setFloat64(this.#pos, value, true);
    this.#pos += 8;
  }

  #string(key: number, text: string): void {
    let ascii = true;
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    this.#byte(key);
    if (ascii) {
      this.#lo = text.length;
      this.#hi = 0;
      this.#varint64();
      for (let i = 0; i < text.length; i++) this.#buf[this.#pos++] = text.charCodeAt(i);
    } else {
      const bytes = utf8.encode(text);
      this.#ensure(bytes.length + 10);
      this.#lo = bytes.length;
      this.#hi = 0;
      this.#varint64();
      this.#buf.set(bytes, this.#pos);
      this.#pos += bytes.length;
    }
  }

  /** #hi/#lo from an integer in (−2^63, 2^63), two's complement when negative. */
  #int64(value: number): void {
    const magnitude = Math.abs(value);
    let hi = Math.floor(magnitude / 4294967296);
    let lo = magnitude - hi * 4294967296;
    if (value < 0) {
      hi = ~hi >>> 0;
      lo = ~lo >>> 0;
      lo = (lo + 1) >>> 0;
      if (lo === 0) hi = (hi + 1) >>> 0;
    }
    this.#hi = hi >>> 0;
    this.#lo = lo >>> 0;
  }

  /** #hi/#lo of ms × 10^6 exactly, for 0 ≤ ms < 2^43 (a whole ms; a fraction keeps its ns). */
  #msToNs(ms: number): void {
    if (!(ms >= 0) || ms >= 2 ** 43 || !Number.isInteger(ms)) {
      this.#fromBigInt(BigInt(Math.trunc(ms * 1e6)));
      return;
    }
    const msHi = Math.floor(ms / 4294967296);
    const low = (ms - msHi * 4294967296) * 1e6; // < 2^52: exact
    const carry = Math.floor(low / 4294967296);
    this.#hi = (msHi * 1e6 + carry) >>> 0;
    this.#lo = (low - carry * 4294967296) >>> 0;
  }

  #fromBigInt(value: bigint): void {
    const u = BigInt.asUintN(64, value);
    this.#hi = Number(u >> 32n);
    this.#lo = Number(u & 0xffffffffn);
  }

  #varint64(): void {
    let lo = this.#lo;
    let hi = this.#hi;
    const buf = this.#buf;
    while (hi !== 0 || lo > 0x7f) {
      buf[this.#pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi = hi >>> 7;
    }
    buf[this.#pos++] = lo;
  }
}
