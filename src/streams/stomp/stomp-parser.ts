/**
 * An incremental STOMP 1.0–1.2 frame parser. Pure: bytes in, frames out, no I/O. Any split of the
 * byte stream into chunks gives the same frames (tested at every byte and at random cuts).
 *
 * A frame is a command line, header lines, an empty line, a body and a NUL octet; lines end in LF
 * or CRLF; end-of-lines between frames are heart-beats. With `content-length` the body is exactly
 * that many octets (it may hold NULs); without, it runs to the first NUL. Header names and values
 * are unescaped (`\r`, `\n`, `\c`, `\\`) from 1.1 on, except in CONNECT and CONNECTED frames (as the
 * specification says); an undefined escape is a protocol error. A repeated header keeps its first
 * value. Work per byte is constant, so a frame sent one byte at a time costs no more than whole.
 */

export interface StompFrame {
  readonly command: string;
  /** Header values by name: the first occurrence of a repeated header. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Uint8Array;
}

/** Which escaping the peer's protocol version uses. */
export type StompEscaping = 'none' | '1.1' | '1.2';

export interface StompParserOptions {
  /** Largest frame (command, headers and body) in bytes. */
  readonly maxFrameBytes: number;
  readonly maxHeaders: number;
}

export interface StompParseResult {
  readonly frames: StompFrame[];
  /** End-of-lines seen between frames (heart-beats). */
  readonly heartbeats: number;
  /** Set once the stream is malformed; the parser then takes nothing more. */
  readonly error: string | undefined;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const COLON = 0x3a;

const Phase = { Between: 0, Command: 1, Header: 2, Body: 3, Terminator: 4 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

const decoder = new TextDecoder('utf-8');

export class StompParser {
  /** Set when the connection's version is known (after CONNECT). */
  escaping: StompEscaping = 'none';
  readonly #options: StompParserOptions;
  #phase: Phase = Phase.Between;
  /** The current line, or the body. */
  #bytes = new Uint8Array(256);
  #length = 0;
  #frameBytes = 0;
  #command = '';
  #headers = new Map<string, string>();
  #headerCount = 0;
  /** Body length from `content-length`, or -1 to read up to the NUL. */
  #contentLength = -1;
  #sawCr = false;
  #error: string | undefined;

  constructor(options: StompParserOptions) {
    this.#options = options;
  }

  push(chunk: Uint8Array): StompParseResult {
    const frames: StompFrame[] = [];
    let heartbeats = 0;
    for (let i = 0; i < chunk.length && this.#error === undefined; i++) {
      const byte = chunk[i]!;
      switch (this.#phase) {
        case Phase.Between:
          if (byte === LF) {
            heartbeats++;
            this.#sawCr = false;
          } else if (byte === CR && !this.#sawCr) this.#sawCr = true;
          else if (this.#sawCr) this.#fail('CR not followed by LF');
          else {
            this.#phase = Phase.Command;
            this.#frameBytes = 0;
            this.#append(byte);
          }
          break;
        case Phase.Command:
          if (byte === LF) {
            this.#command = this.#line();
            if (this.#command === '') this.#fail('empty command');
            this.#phase = Phase.Header;
          } else this.#append(byte);
          break;
        case Phase.Header:
          if (byte === LF) {
            if (this.#length === 0 || (this.#length === 1 && this.#bytes[0] === CR)) {
              this.#length = 0;
              this.#phase = Phase.Body;
              if (this.#contentLength === 0) this.#phase = Phase.Terminator;
            } else this.#header();
          } else this.#append(byte);
          break;
        case Phase.Body:
          if (this.#contentLength < 0 && byte === NUL) {
            frames.push(this.#frame());
            break;
          }
          this.#append(byte);
          if (this.#length === this.#contentLength) this.#phase = Phase.Terminator;
          break;
        case Phase.Terminator:
          if (byte === NUL) frames.push(this.#frame());
          else this.#fail('the body is longer than its content-length');
          break;
      }
    }
    return { frames, heartbeats, error: this.#error };
  }

  #append(byte: number): void {
    if (++this.#frameBytes > this.#options.maxFrameBytes) {
      this.#fail(`frame larger than ${this.#options.maxFrameBytes} bytes`);
      return;
    }
    if (this.#length === this.#bytes.length) {
      const bigger = new Uint8Array(this.#bytes.length * 2);
      bigger.set(this.#bytes);
      this.#bytes = bigger;
    }
    this.#bytes[this.#length++] = byte;
  }

  /** The current line as text, without its CR, and clears it. */
  #line(): string {
    let end = this.#length;
    if (end > 0 && this.#bytes[end - 1] === CR) end--;
    const text = decoder.decode(this.#bytes.subarray(0, end));
    this.#length = 0;
    return text;
  }

  #header(): void {
    let end = this.#length;
    if (this.#bytes[end - 1] === CR) end--;
    const colon = this.#bytes.subarray(0, end).indexOf(COLON);
    if (colon < 0) {
      this.#fail('a header line has no colon');
      return;
    }
    if (++this.#headerCount > this.#options.maxHeaders) {
      this.#fail(`more than ${this.#options.maxHeaders} headers`);
      return;
    }
    const raw = this.#command !== 'CONNECT' && this.#command !== 'CONNECTED' && this.#command !== 'STOMP';
    const name = this.#unescape(decoder.decode(this.#bytes.subarray(0, colon)), raw);
    const value = this.#unescape(decoder.decode(this.#bytes.subarray(colon + 1, end)), raw);
    this.#length = 0;
    if (name === undefined || value === undefined) return;
    if (this.#headers.has(name)) return;
    this.#headers.set(name, value);
    if (name === 'content-length') {
      if (!/^\d{1,10}$/.test(value)) {
        this.#fail('content-length is not a whole number');
        return;
      }
      const length = Number(value);
      if (length > this.#options.maxFrameBytes) {
        this.#fail(`frame larger than ${this.#options.maxFrameBytes} bytes`);
        return;
      }
      this.#contentLength = length;
    }
  }

  #unescape(text: string, escaped: boolean): string | undefined {
    if (!escaped || this.escaping === 'none' || !text.includes('\\')) return text;
    let out = '';
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const next = text[++i];
      if (next === 'n') out += '\n';
      else if (next === 'c') out += ':';
      else if (next === '\\') out += '\\';
      else if (next === 'r' && this.escaping === '1.2') out += '\r';
      else {
        this.#fail(`undefined escape \\${next ?? ''} in a header`);
        return undefined;
      }
    }
    return out;
  }

  #frame(): StompFrame {
    const frame: StompFrame = {
      command: this.#command,
      headers: this.#headers,
      body: this.#bytes.slice(0, this.#length),
    };
    this.#phase = Phase.Between;
    this.#sawCr = false;
    this.#length = 0;
    this.#command = '';
    this.#headers = new Map();
    this.#headerCount = 0;
    this.#contentLength = -1;
    if (this.#bytes.length > 4096) this.#bytes = new Uint8Array(256);
    return frame;
  }

  #fail(reason: string): void {
    this.#error ??= reason;
  }
}
