import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import { StompParser, type StompFrame } from './stomp-parser.js';

const utf8 = new TextEncoder();
const OPTIONS = { maxFrameBytes: 65_536, maxHeaders: 64 };

interface FrameSpec {
  command: string;
  headers: Array<[string, string]>;
  body: string;
  withLength: boolean;
  crlf: boolean;
  /** End-of-lines (heart-beats) after the frame. */
  beats: number;
}

/** The oracle's own encoder: naive string building, STOMP 1.2 escaping. */
function encode(frame: FrameSpec): Uint8Array {
  const eol = frame.crlf ? '\r\n' : '\n';
  const escape = (s: string): string =>
    frame.command === 'CONNECT'
      ? s
      : s.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/:/g, '\\c');
  let text = frame.command + eol;
  for (const [name, value] of frame.headers) text += `${escape(name)}:${escape(value)}${eol}`;
  const body = utf8.encode(frame.body);
  if (frame.withLength) text += `content-length:${body.length}${eol}`;
  const head = utf8.encode(text + eol);
  const tail = utf8.encode('\0' + '\n'.repeat(frame.beats));
  const out = new Uint8Array(head.length + body.length + tail.length);
  out.set(head);
  out.set(body, head.length);
  out.set(tail, head.length + body.length);
  return out;
}

/** What the parser must give for a frame: the first value of each header name, the body bytes. */
function expected(frame: FrameSpec): { command: string; headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = {};
  for (const [name, value] of frame.headers) if (!(name in headers)) headers[name] = value;
  if (frame.withLength && !('content-length' in headers))
    headers['content-length'] = String(utf8.encode(frame.body).length);
  return { command: frame.command, headers, body: frame.body };
}

function plain(frame: StompFrame): { command: string; headers: Record<string, string>; body: string } {
  return {
    command: frame.command,
    headers: Object.fromEntries(frame.headers),
    body: new TextDecoder().decode(frame.body),
  };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function parseChunks(chunks: readonly Uint8Array[]): {
  frames: StompFrame[];
  heartbeats: number;
  error: string | undefined;
} {
  const parser = new StompParser(OPTIONS);
  parser.escaping = '1.2';
  const frames: StompFrame[] = [];
  let heartbeats = 0;
  let error: string | undefined;
  for (const chunk of chunks) {
    const result = parser.push(chunk);
    frames.push(...result.frames);
    heartbeats += result.heartbeats;
    error = result.error;
  }
  return { frames, heartbeats, error };
}

const headerText = fc.string({
  unit: fc.constantFrom('a', 'b', 'Z', '-', ':', '\\', '\n', '\r', 'é', '1', ' '),
  maxLength: 8,
});
const frameSpec: fc.Arbitrary<FrameSpec> = fc
  .record({
    command: fc.constantFrom('SUBSCRIBE', 'SEND', 'UNSUBSCRIBE', 'ACK', 'DISCONNECT', 'MESSAGE'),
    headers: fc.array(
      fc.tuple(
        headerText.filter((s) => s !== '' && s !== 'content-length'),
        headerText,
      ),
      { maxLength: 5 },
    ),
    body: fc.string({ maxLength: 40 }),
    withLength: fc.boolean(),
    crlf: fc.boolean(),
    beats: fc.nat(2),
  })
  // Without content-length a body ends at the first NUL.
  .filter((f) => f.withLength || !f.body.includes('\0'));

describe('StompParser', () => {
  it('parses a frame with escaped headers, content-length and a NUL in the body', () => {
    const bytes = utf8.encode('SEND\ndestination:/topic/a\\cb\ncontent-length:3\nx:1\nx:2\n\na\0b\0\n\n');
    const { frames, heartbeats, error } = parseChunks([bytes]);
    assert.equal(error, undefined);
    assert.equal(heartbeats, 2);
    assert.deepEqual(plain(frames[0]!), {
      command: 'SEND',
      headers: { destination: '/topic/a:b', 'content-length': '3', x: '1' },
      body: 'a\0b',
    });
  });

  it('does not unescape CONNECT headers', () => {
    const { frames } = parseChunks([utf8.encode('CONNECT\npasscode:a\\b\n\n\0')]);
    assert.equal(frames[0]!.headers.get('passcode'), 'a\\b');
  });

  it('gives the same frames for any split of the stream (every byte, random cuts)', () => {
    fc.assert(
      fc.property(
        fc.array(frameSpec, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (specs, cuts) => {
          const stream = concat([utf8.encode('\n\r\n'), ...specs.map(encode)]);
          const want = specs.map(expected);
          const whole = parseChunks([stream]);
          assert.equal(whole.error, undefined);
          assert.deepEqual(whole.frames.map(plain), want);
          const bytewise = parseChunks([...stream].map((b) => Uint8Array.of(b)));
          assert.deepEqual(bytewise.frames.map(plain), want);
          assert.equal(bytewise.heartbeats, whole.heartbeats);
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const chunks: Uint8Array[] = [];
          let from = 0;
          for (const p of [...points, stream.length]) {
            chunks.push(stream.subarray(from, p));
            from = p;
          }
          assert.deepEqual(parseChunks(chunks).frames.map(plain), want);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports malformed streams and never throws on garbage', () => {
    const bad = [
      'SEND\nno-colon\n\n\0',
      'SEND\nx:\\t\n\n\0',
      'SEND\ncontent-length:abc\n\n\0',
      'SEND\ncontent-length:1\n\nab\0',
      '\rX',
      '\n\nSEND\ncontent-length:999999\n\n',
    ];
    for (const text of bad) assert.ok(parseChunks([utf8.encode(text)]).error !== undefined, text);
    const big = new StompParser({ maxFrameBytes: 100, maxHeaders: 2 });
    assert.match(big.push(utf8.encode('SEND\n\n' + 'x'.repeat(200))).error ?? '', /larger than 100/);
    const many = new StompParser({ maxFrameBytes: 1000, maxHeaders: 2 });
    assert.match(many.push(utf8.encode('SEND\na:1\nb:2\nc:3\n\n\0')).error ?? '', /more than 2 headers/);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const parser = new StompParser(OPTIONS);
        parser.escaping = '1.2';
        parser.push(bytes);
        parser.push(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('waits for more when a frame is incomplete', () => {
    const parser = new StompParser(OPTIONS);
    assert.deepEqual(parser.push(utf8.encode('SUBSCRIBE\nid:1\n')).frames, []);
    assert.deepEqual(parser.push(utf8.encode('\nbody')).frames, []);
    const { frames } = parser.push(utf8.encode('\0'));
    assert.equal(plain(frames[0]!).body, 'body');
  });
});
