/**
 * Helpers shared by the ingest tests: an independent protobuf implementation (protobufjs) as the
 * oracle for the hand-written decoder, naive byte builders for crafted messages, and readers of
 * a TickBatch as plain rows.
 */
import { fileURLToPath } from 'node:url';

import protobuf from 'protobufjs';

import { Engine, type EngineOptions } from '../engine/engine.js';
import type { TickBatch } from '../engine/tick-batch.js';

export const PROTO_PATH = fileURLToPath(new URL('../../proto/marketdata.proto', import.meta.url));

const root = protobuf.loadSync(PROTO_PATH);
/** protobufjs's reflection type of `marketdata.Tick`. */
export const TickType = root.lookupType('marketdata.Tick');

/** One decoded tick as the batch holds it (NaN and undefined for absent values). */
export interface TickRow {
  symbol: string;
  price: number;
  volume: number;
  ts: number;
  seq: number;
  id: string | undefined;
}

export function rows(batch: TickBatch): TickRow[] {
  const out: TickRow[] = [];
  for (let i = 0; i < batch.length; i++) {
    out.push({
      symbol: batch.symbols[i]!,
      price: batch.price[i]!,
      volume: batch.volume[i]!,
      ts: batch.ts[i]!,
      seq: batch.seq[i]!,
      id: batch.ids[i],
    });
  }
  return out;
}

/** The fields of a Tick as protobufjs's `fromObject` takes them (64-bit values as decimal strings). */
export interface PbTick {
  symbol?: string;
  price?: number;
  volume?: string;
  exchangeTimestamp?: string;
  ingestTimestamp?: string;
  seq?: string;
  id?: string;
  fractionalVolume?: number;
}

export function pbEncode(tick: PbTick): Uint8Array {
  return TickType.encode(TickType.fromObject(tick)).finish();
}

/**
 * What the decoder must produce for a message, computed from protobufjs's decoding of it with
 * BigInt arithmetic; undefined when protobufjs cannot decode it.
 */
export function oracle(bytes: Uint8Array): TickRow | undefined {
  let m: Record<string, unknown>;
  try {
    m = TickType.toObject(TickType.decode(bytes), { longs: String });
  } catch {
    return undefined;
  }
  const big = (v: unknown): bigint | undefined =>
    v === undefined || v === null ? undefined : BigInt(v as string);
  const volume = big(m.volume) ?? 0n;
  const ns = big(m.exchangeTimestamp) ?? 0n;
  const seq = big(m.seq);
  return {
    symbol: (m.symbol as string | undefined) ?? '',
    price: (m.price as number | undefined) ?? 0,
    volume:
      m.fractionalVolume !== undefined && m.fractionalVolume !== null
        ? (m.fractionalVolume as number)
        : volume < 0n
          ? NaN
          : Number(volume),
    ts: ns === 0n ? NaN : ns < 0n ? -1 : Number(ns / 1_000_000n),
    seq: seq === undefined ? NaN : seq > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(seq),
    id: (m.id as string | undefined) ?? undefined,
  };
}

/** A naive protobuf varint (BigInt, two's complement for negatives). */
export function varint(value: bigint | number): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}

/** A field key: field number and wire type. */
export function key(field: number, wireType: number): number[] {
  return varint((field << 3) | wireType);
}

/** A 4-byte big-endian length prefix followed by `body`. */
export function frame(body: Uint8Array | number[]): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length, false);
  out.set(body, 4);
  return out;
}

export function concat(parts: ReadonlyArray<Uint8Array | number[]>): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export const ENGINE_OPTIONS: EngineOptions = {
  partitions: 1,
  movingAverageWindow: 64,
  anomalyThresholdPercent: 2,
  slidingWindowMilliseconds: 1000,
  recentAnomaliesCapacity: 1000,
  intervals: ['1s', '1m', '1d'],
  allowedLatenessMs: 1000,
  anomalyMode: 'episode',
  maxFutureSkewMs: 300_000,
  dedupeCapacity: 10_000,
};

export function engine(options: Partial<EngineOptions> = {}): Engine {
  return new Engine({ ...ENGINE_OPTIONS, ...options });
}
