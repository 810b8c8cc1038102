/**
 * Strings from UTF-8 bytes, remembered by their bytes: a symbol seen before costs a few integer
 * operations, no allocation, and every tick of one symbol carries the same string (which the
 * engine's Map lookup then finds by pointer). A market has a few thousand symbols; a client
 * sending ever new ones cannot grow the table without bound, since it starts over when half full.
 *
 * Most symbols fit in 8 bytes (AAPL, BTC-USD, EURUSD): their bytes, packed into two 32-bit
 * integers, are both the key and the proof of a match, so a lookup reads no string. Longer ones
 * are found by hash and confirmed against the string. Only ASCII is kept: anything else is never
 * a valid symbol and is decoded each time.
 */

/** Longer strings are never symbols (32 characters plus surrounding spaces); they are not kept. */
const MAX_INTERNED_BYTES = 64;
const SHORT_BYTES = 8;
const utf8 = new TextDecoder('utf-8');
/**
 * The next symbol number, shared by every interner of the process: a number is never given twice,
 * so it stands for one string whichever interner gave it (TickBatch.symbolNumbers). A string kept
 * again after its interner started over gets a new number.
 */
let nextNumber = 0;

export class SymbolInterner {
  readonly #mask: number;
  readonly #limit: number;
  /** Per slot: the string (undefined: empty slot), its byte length, and its key: the packed bytes
   *  (up to 8 bytes) or a hash and 0 (longer). */
  readonly #strings: Array<string | undefined>;
  readonly #lengths: Int32Array;
  readonly #k1: Int32Array;
  readonly #k2: Int32Array;
  /** Per slot: the string's number. */
  readonly #numbers: Int32Array;
  #size = 0;
  /** The number of the string `intern` answered last; −1 when it keeps none (not ASCII, too long). */
  lastNumber = -1;

  /** `capacity`: how many distinct strings to keep (the table is twice as large). */
  constructor(capacity = 4096) {
    let slots = 16;
    while (slots < capacity * 2) slots *= 2;
    this.#mask = slots - 1;
    this.#limit = slots >>> 1;
    this.#strings = new Array<string | undefined>(slots).fill(undefined);
    this.#lengths = new Int32Array(slots);
    this.#k1 = new Int32Array(slots);
    this.#k2 = new Int32Array(slots);
    this.#numbers = new Int32Array(slots);
  }

  /** Distinct strings held. */
  get size(): number {
    return this.#size;
  }

  /** The string of the UTF-8 bytes `buf[start, end)`; invalid sequences become U+FFFD. */
  intern(buf: Uint8Array, start: number, end: number): string {
    const length = end - start;
    if (length > SHORT_BYTES) return this.#internLong(buf, start, end);
    let k1 = 0;
    let k2 = 0;
    const mid = length < 4 ? end : start + 4;
    for (let i = start, shift = 0; i < mid; i++, shift += 8) k1 |= buf[i]! << shift;
    for (let i = mid, shift = 0; i < end; i++, shift += 8) k2 |= buf[i]! << shift;
    if (((k1 | k2) & 0x80808080) !== 0) return this.#unkept(buf, start, end);
    const hash = Math.imul(k1 ^ Math.imul(k2 ^ length, 0x9e3779b1), 0x85ebca6b);
    const mask = this.#mask;
    const strings = this.#strings;
    let slot = (hash ^ (hash >>> 16)) & mask;
    for (;;) {
      const text = strings[slot];
      if (text === undefined) break;
      if (this.#k1[slot] === k1 && this.#k2[slot] === k2 && this.#lengths[slot] === length) {
        this.lastNumber = this.#numbers[slot]!;
        return text;
      }
      slot = (slot + 1) & mask;
    }
    return this.#add(buf, start, end, hash, k1, k2);
  }

  #internLong(buf: Uint8Array, start: number, end: number): string {
    const length = end - start;
    if (length > MAX_INTERNED_BYTES) return this.#unkept(buf, start, end);
    let hash = 0x811c9dc5;
    let high = 0;
    for (let i = start; i < end; i++) {
      const b = buf[i]!;
      high |= b;
      hash = Math.imul(hash ^ b, 0x01000193);
    }
    if (high >= 0x80) return this.#unkept(buf, start, end);
    const mask = this.#mask;
    const strings = this.#strings;
    let slot = (hash ^ (hash >>> 16)) & mask;
    for (;;) {
      const text = strings[slot];
      if (text === undefined) break;
      if (this.#k1[slot] === hash && this.#lengths[slot] === length) {
        let i = 0;
        while (i < length && text.charCodeAt(i) === buf[start + i]) i++;
        if (i === length) {
          this.lastNumber = this.#numbers[slot]!;
          return text;
        }
      }
      slot = (slot + 1) & mask;
    }
    return this.#add(buf, start, end, hash, hash, 0);
  }

  /** A miss: rare once the market's symbols have been seen, so the decoder's cost does not matter. */
  #add(buf: Uint8Array, start: number, end: number, hash: number, k1: number, k2: number): string {
    const text = utf8.decode(buf.subarray(start, end));
    const strings = this.#strings;
    if (this.#size >= this.#limit) {
      strings.fill(undefined);
      this.#size = 0;
    }
    let slot = (hash ^ (hash >>> 16)) & this.#mask;
    while (strings[slot] !== undefined) slot = (slot + 1) & this.#mask;
    strings[slot] = text;
    this.#lengths[slot] = end - start;
    this.#k1[slot] = k1;
    this.#k2[slot] = k2;
    // Past the last 32-bit number none are given (−1): the engine then finds such symbols by name.
    const number = nextNumber < 0x7fffffff ? nextNumber++ : -1;
    this.#numbers[slot] = number;
    this.lastNumber = number;
    this.#size++;
    return text;
  }

  /** A string not kept: decoded each time, no number. */
  #unkept(buf: Uint8Array, start: number, end: number): string {
    this.lastNumber = -1;
    return utf8.decode(buf.subarray(start, end));
  }
}
