import type { FastifyReply, FastifyRequest } from 'fastify';

import type { Principal } from '../../auth/roles.js';
import { ErrorCode, TickstreamError } from '../../errors.js';
import type { Channel, HubSubscriber } from '../hub/channel.js';
import type { ChannelSpec } from '../hub/channel-name.js';
import { errorJson, gapJson, type HubMessage } from '../hub/hub-message.js';
import type { SessionContext } from '../hub/session-context.js';
import { SseStream } from './sse-stream.js';
import type { SseWriter } from '../delivery/sse-writer.js';
import { Protocol } from '../hub/stream-counters.js';

/**
 * The channels of `?channels=a,b,c`, canonical and without repeats; throws BAD_REQUEST naming the
 * first that is not a channel.
 */
export function parseChannelList(context: SessionContext, list: string): ChannelSpec[] {
  const specs = new Map<string, ChannelSpec>();
  for (const name of list.split(',')) {
    const spec = context.parse(name.trim());
    if (typeof spec === 'string') throw new TickstreamError(ErrorCode.BadRequest, spec);
    specs.set(spec.name, spec);
  }
  if (specs.size > context.options.maxChannelsPerConnection) {
    throw new TickstreamError(
      ErrorCode.BadRequest,
      `at most ${context.options.maxChannelsPerConnection} channels per connection`,
    );
  }
  return [...specs.values()];
}

/**
 * An event id names the position of every channel of the stream at that event: the last `seq`
 * sent on each, in the order of `channels`, joined by commas (`812,77,5`). EventSource sends the
 * last id back as `Last-Event-ID` when it reconnects, which resumes each channel from there.
 * Undefined when the id does not fit the channel list (then each channel starts with a snapshot).
 */
export function parseEventId(id: string | undefined, channels: number): number[] | undefined {
  if (id === undefined || id === '') return undefined;
  const parts = id.split(',');
  if (parts.length !== channels) return undefined;
  const seqs = parts.map((p) => (/^\d{1,16}$/.test(p) ? Number(p) : NaN));
  return seqs.every((s) => Number.isSafeInteger(s)) ? seqs : undefined;
}

/**
 * One SSE stream of `GET /api/stream?channels=…`: the same channel messages as `/ws`, one event
 * each (`data:` the message, `id:` the position), resumed by `Last-Event-ID`. It is one-way, so
 * the token cannot be refreshed: at expiry the stream gets an `error` message and ends.
 */
export class SseSession extends SseStream<HubMessage> implements HubSubscriber {
  readonly #context: SessionContext;
  readonly #channels: Channel[] = [];
  /** Last seq sent per channel, in the order of the channel list. */
  readonly #positions: number[] = [];
  readonly #index = new Map<Channel, number>();

  constructor(context: SessionContext, request: FastifyRequest, reply: FastifyReply, open: Set<SseWriter>) {
    super(context, Protocol.Sse, request, reply, open);
    this.#context = context;
  }

  start(
    principal: Principal,
    specs: readonly ChannelSpec[],
    resumeFrom: readonly number[] | undefined,
  ): void {
    this.open(principal);
    this.writer.write('retry: 1000\n\n');
    specs.forEach((spec, i) => {
      const { channel, initial } = this.#context.subscribe(this, spec, { fromSeq: resumeFrom?.[i] });
      this.#channels.push(channel);
      this.#positions.push(resumeFrom?.[i] ?? channel.seq);
      this.#index.set(channel, i);
      for (const message of initial) this.buffer.send(message);
    });
  }

  deliver(message: HubMessage): void {
    this.buffer.send(message);
  }

  override write(message: HubMessage): void {
    this.#positions[this.#index.get(message.channel)!] = message.seq;
    this.writer.write('id: ' + this.#positions.join(',') + '\ndata: ' + message.json + '\n\n');
  }

  override writeGap(channel: Channel, from: number, to: number): void {
    this.#positions[this.#index.get(channel)!] = to;
    this.writer.write(
      'id: ' + this.#positions.join(',') + '\ndata: ' + gapJson(channel.nameJson, from, to) + '\n\n',
    );
  }

  protected override expired(): void {
    this.writer.write(
      `data: ${errorJson(ErrorCode.TokenExpired, 'the access token expired: reconnect with a fresh one')}\n\n`,
    );
  }

  protected override release(): void {
    for (const channel of this.#channels) this.#context.unsubscribe(this, channel);
  }
}
