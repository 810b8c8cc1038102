import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import type { WireTick } from '../../src/ingest/tick-encoder.js';
import { TickEncoder } from '../../src/ingest/tick-encoder.js';
import type { RunningServer } from '../../src/main.js';
import type { StoredTick } from '../../src/storage/market-data-store.js';

/**
 * A steady producer for the fault tests: HTTP batches and single ticks with `ack=persisted`, and
 * binary TCP frames, at a fixed rate, resending what the server refused (as a well-behaved
 * producer does: after `Retry-After` for a 503). Each tick carries a unique `id` and no
 * timestamp (the receive time), so a resend can be neither late nor taken twice. It keeps the
 * books the fault tests check: what was sent, acknowledged and refused.
 */
export interface SteadyLoadOptions {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly tcp: { host: string; port: number };
  /** One batch request and one TCP write every `intervalMs`. */
  readonly intervalMs?: number;
  readonly batchTicks?: number;
  readonly tcpTicks?: number;
  /** One single-tick request every `singleEveryMs`. */
  readonly singleEveryMs?: number;
}

export interface LoadFigures {
  /** Distinct ticks sent at least once, per protocol. */
  sent: { http: number; tcp: number };
  /** Ticks acknowledged (HTTP with ack=persisted: committed). */
  acknowledged: number;
  /** HTTP 503 answers (single ticks, and batches refused whole), each with a Retry-After header. */
  http503: number;
  /** 503 answers without Retry-After (must stay 0). */
  http503WithoutRetryAfter: number;
  /** Batch items answered `overloaded`. */
  batchOverloaded: number;
  /** Rejections other than `overloaded`, by reason (must stay empty). */
  unexpected: Record<string, number>;
  /** The largest number of bytes the TCP client held unsent (the server stopped reading). */
  tcpMaxUnsentBytes: number;
  /** Requests that failed without an answer. */
  networkErrors: number;
}

export class SteadyLoad {
  readonly figures: LoadFigures = {
    sent: { http: 0, tcp: 0 },
    acknowledged: 0,
    http503: 0,
    http503WithoutRetryAfter: 0,
    batchOverloaded: 0,
    unexpected: {},
    tcpMaxUnsentBytes: 0,
    networkErrors: 0,
  };
  /** Ids of the acknowledged ticks. */
  readonly acknowledged = new Set<string>();
  /** Ids of every tick sent over TCP. */
  readonly tcpIds: string[] = [];
  /** Times (Date.now()) at which a tick was acknowledged. */
  readonly ackTimes: number[] = [];
  readonly #options: Required<SteadyLoadOptions>;
  readonly #retry: Array<Record<string, unknown>> = [];
  #retryAt = 0;
  #next = 0;
  #running = false;
  #halted = false;
  #loops: Array<Promise<void>> = [];
  readonly #inFlight = new Set<Promise<void>>();
  #socket: Socket | undefined;

  constructor(options: SteadyLoadOptions) {
    this.#options = { intervalMs: 20, batchTicks: 20, tcpTicks: 20, singleEveryMs: 100, ...options };
  }

  async start(): Promise<void> {
    const socket = connect(this.#options.tcp);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    this.#socket = socket;
    this.#running = true;
    this.#loops = [
      this.#every(this.#options.intervalMs, () => this.#tick()),
      this.#every(this.#options.singleEveryMs, () => this.#single()),
    ];
  }

  /** Stops at once, answers or not (after a failed test). */
  halt(): void {
    this.#halted = true;
    this.#running = false;
    this.#retry.length = 0;
    this.#socket?.destroy();
  }

  /** Stops sending new ticks; waits for every answer and for the TCP bytes to leave. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
    // What was refused last is sent again until it is taken (the server is back by now).
    while (this.#retry.length > 0) {
      await this.#batch(this.#retry.splice(0, this.#options.batchTicks));
      await sleep(10);
    }
    await Promise.all(this.#inFlight);
    const socket = this.#socket!;
    await new Promise<void>((resolve) => socket.end(resolve));
  }

  #id(prefix: string): string {
    return `${prefix}-${this.#next++}`;
  }

  #tick(): void {
    const now = Date.now();
    const items: Array<Record<string, unknown>> = [];
    if (this.#retry.length > 0 && now >= this.#retryAt)
      items.push(...this.#retry.splice(0, this.#options.batchTicks));
    for (let i = items.length; i < this.#options.batchTicks; i++) {
      const id = this.#id('h');
      items.push({ symbol: `HB${this.#next % 4}`, price: 100 + (this.#next % 50) / 100, volume: 1, id });
      this.figures.sent.http++;
    }
    this.#track(this.#batch(items));

    const encoder = new TickEncoder();
    for (let i = 0; i < this.#options.tcpTicks; i++) {
      const id = this.#id('t');
      const tick: WireTick = {
        symbol: `TC${this.#next % 4}`,
        price: 100 + (this.#next % 50) / 100,
        volume: 1,
        id,
      };
      encoder.frame(tick);
      this.tcpIds.push(id);
    }
    this.figures.sent.tcp += this.#options.tcpTicks;
    const socket = this.#socket!;
    socket.write(encoder.take());
    this.figures.tcpMaxUnsentBytes = Math.max(this.figures.tcpMaxUnsentBytes, socket.writableLength);
  }

  #single(): void {
    const id = this.#id('s');
    this.figures.sent.http++;
    this.#track(this.#one({ symbol: 'HS0', price: 100 + (this.#next % 50) / 100, volume: 1, id }));
  }

  async #one(item: Record<string, unknown>): Promise<void> {
    // Until answered, or halted (a single tick retried against a closed server would keep the
    // test process alive).
    while (!this.#halted) {
      let res: Response;
      try {
        res = await this.#post('/api/prices?ack=persisted', item);
      } catch {
        this.figures.networkErrors++;
        await sleep(100);
        continue;
      }
      if (res.status === 200) {
        await res.arrayBuffer();
        this.#acknowledge([item]);
        return;
      }
      const body = (await res.json()) as { error?: { code?: string; reason?: string } };
      if (res.status === 503) {
        const retryAfter = Number(res.headers.get('retry-after'));
        if (Number.isFinite(retryAfter) && retryAfter > 0) this.figures.http503++;
        else this.figures.http503WithoutRetryAfter++;
        await sleep((Number.isFinite(retryAfter) ? retryAfter : 1) * 1000);
        continue;
      }
      const reason = `${res.status} ${body.error?.reason ?? body.error?.code ?? ''}`;
      this.figures.unexpected[reason] = (this.figures.unexpected[reason] ?? 0) + 1;
      return;
    }
  }

  async #batch(items: Array<Record<string, unknown>>): Promise<void> {
    let res: Response;
    try {
      res = await this.#post('/api/prices/batch?ack=persisted', items);
    } catch {
      this.figures.networkErrors++;
      this.#refused(items, 100);
      return;
    }
    if (res.status === 503) {
      // Refused whole (storage cannot commit, e.g. the disk guard): resent after Retry-After.
      await res.arrayBuffer();
      const retryAfter = Number(res.headers.get('retry-after'));
      if (Number.isFinite(retryAfter) && retryAfter > 0) this.figures.http503++;
      else this.figures.http503WithoutRetryAfter++;
      this.#refused(items, (Number.isFinite(retryAfter) ? retryAfter : 1) * 1000);
      return;
    }
    if (res.status !== 200) {
      const reason = `${res.status}`;
      this.figures.unexpected[reason] = (this.figures.unexpected[reason] ?? 0) + 1;
      await res.arrayBuffer();
      return;
    }
    const result = (await res.json()) as {
      accepted: number;
      rejected: Array<{ index: number; reason: string }>;
    };
    const refused = new Set<number>();
    const again: Array<Record<string, unknown>> = [];
    for (const { index, reason } of result.rejected) {
      refused.add(index);
      if (reason === 'overloaded') {
        this.figures.batchOverloaded++;
        again.push(items[index]!);
      } else this.figures.unexpected[reason] = (this.figures.unexpected[reason] ?? 0) + 1;
    }
    this.#acknowledge(items.filter((_, i) => !refused.has(i)));
    if (again.length > 0) this.#refused(again, 1000);
  }

  #refused(items: Array<Record<string, unknown>>, delayMs: number): void {
    this.#retry.push(...items);
    this.#retryAt = Date.now() + delayMs;
  }

  #acknowledge(items: Array<Record<string, unknown>>): void {
    const now = Date.now();
    for (const item of items) this.acknowledged.add(item.id as string);
    if (items.length > 0) this.ackTimes.push(now);
    this.figures.acknowledged = this.acknowledged.size;
  }

  #post(path: string, body: unknown): Promise<Response> {
    return fetch(`${this.#options.url}${path}`, {
      method: 'POST',
      headers: { ...this.#options.headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  #track(promise: Promise<void>): void {
    this.#inFlight.add(promise);
    void promise.finally(() => this.#inFlight.delete(promise));
  }

  async #every(ms: number, step: () => void): Promise<void> {
    let due = Date.now();
    while (this.#running) {
      step();
      due += ms;
      await sleep(Math.max(0, due - Date.now()));
    }
  }
}

/** What the store holds compared with what was sent and acknowledged. */
export interface Reconciliation {
  stored: number;
  /** Acknowledged ticks not stored (must be 0). */
  lostAcknowledged: number;
  /** TCP ticks sent but not stored (must be 0: the server reads everything, slowly). */
  lostTcp: number;
  /** Ticks stored more than once (must be 0). */
  duplicated: number;
}

export function reconcile(load: SteadyLoad, stored: readonly StoredTick[]): Reconciliation {
  const counts = new Map<string, number>();
  for (const tick of stored) if (tick.id !== null) counts.set(tick.id, (counts.get(tick.id) ?? 0) + 1);
  let duplicated = 0;
  for (const n of counts.values()) if (n > 1) duplicated += n - 1;
  let lostAcknowledged = 0;
  for (const id of load.acknowledged) if (!counts.has(id)) lostAcknowledged++;
  let lostTcp = 0;
  for (const id of load.tcpIds) if (!counts.has(id)) lostTcp++;
  return { stored: stored.length, lostAcknowledged, lostTcp, duplicated };
}

/**
 * After a stopped load: waits (up to `limitMs` each) until every TCP frame sent is read and
 * everything accepted is committed, then reconciles the stored ticks with the load's books.
 */
export async function drainAndReconcile(
  server: RunningServer,
  load: SteadyLoad,
  limitMs: number,
): Promise<Reconciliation> {
  const seconds = limitMs / 1000;
  const drainFrom = Date.now();
  while (server.tcp!.counters().frames < load.figures.sent.tcp) {
    assert.ok(
      Date.now() - drainFrom < limitMs,
      `TCP frames read ${server.tcp!.counters().frames} of ${load.figures.sent.tcp} after ${seconds} s`,
    );
    await sleep(20);
  }
  const committed = new AbortController();
  await Promise.race([
    server.storage.writer.persisted().finally(() => committed.abort()),
    sleep(limitMs, undefined, { signal: committed.signal }).then(
      () =>
        assert.fail(
          `not committed ${seconds} s after the load: ${JSON.stringify(server.storage.writer.counters())}`,
        ),
      () => undefined,
    ),
  ]);
  const stored = (
    await server.storage.database.marketData.ticksAfter(0, Number.MAX_SAFE_INTEGER, 10_000_000)
  ).filter((tick) => tick.id !== null);
  return reconcile(load, stored);
}
