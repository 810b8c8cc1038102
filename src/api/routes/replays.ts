import type { FastifyPluginAsync } from 'fastify';

import { normalizeTimestamp } from '../../core/tick.js';
import { ErrorCode, TickstreamError } from '../../errors.js';
import { parseSpeed } from '../../feeds/replay.js';
import type { ReplayInfo, ReplayManager } from '../../feeds/replay-manager.js';
import { CREDENTIALS } from '../../http/request-credentials.js';
import { iso } from '../wire.js';

export interface ReplayRouteOptions {
  readonly replays: ReplayManager;
}

const time = { type: ['string', 'integer'], description: 'ISO-8601 or epoch ms' } as const;
const speed = {
  type: ['number', 'string'],
  description: 'Recorded time per wall-clock time, 1 = real time (up to 1,000,000), or "max"',
} as const;

const replaySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    source: { type: 'string', description: 'The source of the replayed ticks: replay:{id}' },
    file: { type: 'string', nullable: true },
    symbols: { type: 'array', items: { type: 'string' }, nullable: true },
    store: { type: 'boolean' },
    state: { type: 'string', enum: ['running', 'paused', 'finished', 'stopped', 'failed'] },
    speed: { anyOf: [{ type: 'number' }, { type: 'string', enum: ['max'] }] },
    rebase: { type: 'boolean' },
    loop: { type: 'boolean' },
    start: { type: 'string', format: 'date-time', nullable: true },
    end: { type: 'string', format: 'date-time', nullable: true },
    position: { type: 'string', format: 'date-time', nullable: true },
    played: { type: 'integer' },
    total: { type: 'integer' },
    sent: { type: 'integer' },
    accepted: { type: 'integer' },
    rejected: { type: 'integer' },
    rejectedByReason: { type: 'object', additionalProperties: { type: 'integer' } },
    rounds: { type: 'integer' },
    error: { type: 'string', nullable: true },
    createdBy: { type: 'string', nullable: true },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

/** A replay as REST shows it (times as ISO-8601; the `replays` channel keeps epoch ms). */
export function replayBody(r: ReplayInfo): Record<string, unknown> {
  const at = (ms: number | null): string | null => (ms === null ? null : iso(ms));
  return {
    id: r.id,
    source: r.source,
    file: r.file,
    symbols: r.symbols,
    store: r.store,
    state: r.state,
    speed: r.speed,
    rebase: r.rebase,
    loop: r.loop,
    start: at(r.startTs),
    end: at(r.endTs),
    position: at(r.positionTs),
    played: r.played,
    total: r.total,
    sent: r.sent,
    accepted: r.accepted,
    rejected: r.rejected,
    rejectedByReason: r.rejectedByReason,
    rounds: r.rounds,
    error: r.error,
    createdBy: r.createdBy,
    createdAt: iso(r.createdAt),
  };
}

function speedOf(raw: number | string | undefined, fallback: number | undefined): number | undefined {
  if (raw === undefined) return fallback;
  const parsed = parseSpeed(raw);
  if (parsed === undefined)
    throw new TickstreamError(ErrorCode.BadRequest, `speed must be a number > 0 (up to 1000000) or "max"`);
  return parsed;
}

function timeOf(field: string, raw: string | number | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = normalizeTimestamp(raw, NaN);
  if (Number.isNaN(ms))
    throw new TickstreamError(ErrorCode.BadRequest, `${field} must be ISO-8601 or epoch ms`);
  return ms;
}

interface StartBody {
  file?: string;
  format?: 'csv' | 'ndjson';
  map?: string;
  symbols?: string[];
  from?: string | number;
  to?: string | number;
  speed?: number | string;
  rebase?: boolean;
  loop?: boolean;
  store?: boolean;
}

interface PatchBody {
  state?: 'paused' | 'running';
  speed?: number | string;
  position?: string | number;
}

/** Replays of recorded ticks through the live pipeline (docs/api.md, "Replays"). */
export const replayRoutes: FastifyPluginAsync<ReplayRouteOptions> = async (app, { replays }) => {
  const params = {
    type: 'object',
    required: ['id'],
    properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
  } as const;

  app.post<{ Body: StartBody }>(
    '/api/replays',
    {
      schema: {
        tags: ['replays'],
        summary: 'Start a replay of a file on the server, or of stored ticks, at a speed',
        security: CREDENTIALS,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            file: {
              type: 'string',
              minLength: 1,
              maxLength: 4096,
              description: 'A CSV or NDJSON file inside replay.allowedDirs or dataDir',
            },
            format: { type: 'string', enum: ['csv', 'ndjson'] },
            map: { type: 'string', maxLength: 200, description: 'As analyze --map, e.g. symbol=id' },
            symbols: {
              type: 'array',
              minItems: 1,
              maxItems: 100,
              items: { type: 'string', minLength: 1, maxLength: 32 },
              description: 'Or: replay the stored ticks of these symbols',
            },
            from: time,
            to: time,
            speed,
            rebase: {
              type: 'boolean',
              description: 'Event times become the moment each tick is played (default true)',
            },
            loop: { type: 'boolean', description: 'Start again at the end (default false)' },
            store: { type: 'boolean', description: 'Store the replayed raw ticks (default true)' },
          },
        },
        response: { 201: replaySchema },
      },
      config: { role: 'writer' },
    },
    async (request, reply) => {
      const body = request.body;
      const started = await replays.start(
        {
          file: body.file,
          format: body.format,
          map: body.map,
          symbols: body.symbols,
          fromTs: timeOf('from', body.from),
          toTs: timeOf('to', body.to),
          speed: speedOf(body.speed, 1)!,
          rebase: body.rebase ?? true,
          loop: body.loop ?? false,
          store: body.store ?? true,
        },
        request.principal?.name ?? null,
      );
      return reply.status(201).send(replayBody(started));
    },
  );

  app.get(
    '/api/replays/files',
    {
      schema: {
        tags: ['replays'],
        summary: 'Tick files a replay may read (in replay.allowedDirs and dataDir)',
        security: CREDENTIALS,
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                file: { type: 'string' },
                sizeBytes: { type: 'integer' },
                map: { type: 'string', nullable: true, description: 'A map the file needs (symbol=id)' },
              },
            },
          },
        },
      },
      config: { role: 'reader' },
    },
    () => replays.files(),
  );

  app.get(
    '/api/replays',
    {
      schema: {
        tags: ['replays'],
        summary: 'The replays running and the last ended ones',
        security: CREDENTIALS,
        response: { 200: { type: 'array', items: replaySchema } },
      },
      config: { role: 'reader' },
    },
    () => replays.list().map(replayBody),
  );

  app.get<{ Params: { id: string } }>(
    '/api/replays/:id',
    {
      schema: {
        tags: ['replays'],
        summary: 'One replay: state and progress',
        security: CREDENTIALS,
        params,
        response: { 200: replaySchema },
      },
      config: { role: 'reader' },
    },
    (request) => replayBody(replays.get(request.params.id)),
  );

  app.patch<{ Params: { id: string }; Body: PatchBody }>(
    '/api/replays/:id',
    {
      schema: {
        tags: ['replays'],
        summary: 'Pause or resume, change the speed, seek to a recorded time',
        security: CREDENTIALS,
        params,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            state: { type: 'string', enum: ['paused', 'running'] },
            speed,
            position: { ...time, description: 'Seek to this recorded time (ISO-8601 or epoch ms)' },
          },
        },
        response: { 200: replaySchema },
      },
      config: { role: 'writer' },
    },
    (request) => {
      const body = request.body;
      const speedValue = speedOf(body.speed, undefined);
      const position = timeOf('position', body.position);
      return replayBody(
        replays.update(request.params.id, {
          ...(body.state === undefined ? {} : { state: body.state }),
          ...(speedValue === undefined ? {} : { speed: speedValue }),
          ...(position === undefined ? {} : { positionTs: position }),
        }),
      );
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/replays/:id',
    {
      schema: {
        tags: ['replays'],
        summary: 'Stop a replay (what it played stays)',
        security: CREDENTIALS,
        params,
        response: { 200: replaySchema },
      },
      config: { role: 'writer' },
    },
    (request) => replayBody(replays.stop(request.params.id)),
  );
};
