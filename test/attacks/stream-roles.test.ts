import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { buildSchema, getNamedType, isLeafType, isNonNullType, type GraphQLField } from 'graphql';
import WebSocket from 'ws';

import { roleAllows, type Role } from '../../src/auth/roles.js';
import { validateConfig } from '../../src/config.js';
import { cppReadRole } from '../../src/compat/cpp/policy.js';
import { expressReadRole } from '../../src/compat/express/policy.js';
import { METHOD_ROLES } from '../../src/ingest/grpc/grpc-server.js';
import { marketDataService } from '../../src/ingest/grpc/marketdata-service.js';
import { SCHEMA } from '../../src/streams/graphql/graphql-schema.js';
import {
  eventStream,
  graphqlQuery,
  graphqlSubscription,
  grpcCall,
  stomp,
  wsMarketData,
  wsSubscribe,
  type Caller,
  type Outcome,
} from '../support/protocol-clients.js';
import { runningServer } from '../support/running-server.js';
import { ADMIN_PASSWORD } from '../support/test-server.js';

/**
 * Role escalation on the live streams, GraphQL and gRPC (issue 15; the REST matrix is in
 * http-attacks.test.ts): every WebSocket and SSE endpoint the server routes, every STOMP frame
 * kind, every query and subscription field of the GraphQL schema and every method of the gRPC
 * service definition, called by anonymous, bad credentials, and each role as a user and as an API
 * key. Each caller must get exactly what its role allows, under the earlier systems' policies
 * (anonymous reads on by default, docs/compat.md) and with them off.
 */

const ROLES = ['reader', 'writer', 'admin'] as const;
const SYMBOL = 'MATRIX';

/** Who may use an entry: a least role, or anyone (an earlier system's anonymous read), or nobody. */
type Access = Role | 'anyone' | 'nobody';

interface Row {
  readonly what: string;
  readonly access: Access;
  /** The role an anonymous caller acts as here (gRPC's callers trusted by address). */
  readonly anonymousAs?: Role | undefined;
  readonly call: (caller: Caller) => Promise<Outcome>;
}

interface NamedCaller {
  readonly name: string;
  readonly role: Role | 'anonymous' | 'invalid';
  readonly caller: Caller;
}

function allowed(access: Access, who: NamedCaller['role'], anonymousRole: Role | undefined): boolean {
  if (access === 'nobody' || who === 'invalid') return false;
  if (who === 'anonymous') {
    if (access === 'anyone') return true;
    // gRPC's anonymous callers by address (grpc.allowAnonymous) act as this role.
    return anonymousRole !== undefined && roleAllows(anonymousRole, access);
  }
  return access === 'anyone' || roleAllows(who, access);
}

/** Every path the server routes for GET, read from Fastify's route tree. */
function getPaths(tree: string): string[] {
  const paths: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)(?:[├└]── )?(\S+) \(([^)]*)\)/.exec(line.replace(/\u00a0/g, ' '));
    if (match === null) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const parent = stack[depth - 1] ?? '';
    const path =
      depth === 0
        ? match[2]!
        : `${parent}${parent.endsWith('/') || match[2]!.startsWith('/') ? '' : '/'}${match[2]!}`;
    stack[depth] = path;
    if (match[3]!.split(', ').includes('GET')) paths.push(path.replace(/\/+/g, '/'));
  }
  return paths;
}

/**
 * Whether `path` is a WebSocket endpoint: the upgrade succeeds and the socket stays open for a
 * moment or is closed with one of tickstream's 4xxx codes (any route upgrades, then a route
 * without a WebSocket handler closes at once with a standard code). Tried without and with the
 * GraphQL subprotocol.
 */
async function upgrades(wsUrl: string, path: string): Promise<boolean> {
  for (const protocols of [[], ['graphql-transport-ws']]) {
    const verdict = await new Promise<boolean>((resolve) => {
      const socket = new WebSocket(`${wsUrl}${path}`, protocols);
      let timer: NodeJS.Timeout | undefined;
      const done = (result: boolean): void => {
        clearTimeout(timer);
        socket.removeAllListeners();
        socket.on('error', () => undefined);
        socket.terminate();
        resolve(result);
      };
      socket.on('open', () => (timer = setTimeout(() => done(true), 300)));
      socket.on('close', (code) => done(code >= 4000));
      socket.on('unexpected-response', () => done(false));
      socket.on('error', () => done(false));
    });
    if (verdict) return true;
  }
  return false;
}

const configs: Array<[string, Record<string, Record<string, unknown>>]> = [
  [
    'the default policies (earlier systems’ reads anonymous, gRPC anonymous from loopback)',
    // runningServer trusts no address by default: the schema's default here.
    { grpc: { allowAnonymous: [...validateConfig({}).grpc.allowAnonymous] } },
  ],
  [
    'every anonymous access off',
    {
      compat: {
        cpp: { anonymousReads: false },
        express: { anonymousReads: false },
        fastapi: { anonymousReads: false },
      },
      grpc: { allowAnonymous: [] },
    },
  ],
];

for (const [policy, overrides] of configs) {
  describe(`role matrix of streams, GraphQL and gRPC: ${policy}`, () => {
    let server: Awaited<ReturnType<typeof runningServer>>;
    const callers: NamedCaller[] = [
      { name: 'anonymous', role: 'anonymous', caller: {} },
      { name: 'invalid token', role: 'invalid', caller: { token: 'eyJhbGciOiJIUzI1NiJ9.e30.bm9wZQ' } },
      { name: 'invalid API key', role: 'invalid', caller: { apiKey: 'tsk_00000000_not-a-key' } },
    ];
    before(async () => {
      server = await runningServer({
        ...overrides,
        // Bad keys are part of the matrix: the guessing limit is not what is tested here.
        auth: { apiKeyFailuresPerAddress: 100_000 },
        // The upgrade probes leave answers that no client reads (a static file to a WebSocket
        // client): close() cuts them after this grace period.
        http: { shutdownGraceMs: 500 },
      });
      const admin = await server.auth.login('admin', ADMIN_PASSWORD);
      const adminPrincipal = {
        kind: 'user' as const,
        id: admin.user.id,
        name: 'admin',
        role: 'admin' as const,
      };
      for (const role of ROLES) {
        let token = admin.accessToken;
        if (role !== 'admin') {
          const registered = await server.auth.register({
            username: `matrix-${role}`,
            email: `matrix-${role}@example.com`,
            password: 'password-123',
          });
          await server.auth.updateUser(registered.user.id, { role });
          token = (await server.auth.login(`matrix-${role}`, 'password-123')).accessToken;
        }
        callers.push({ name: `${role} user`, role, caller: { token } });
        const key = await server.auth.createApiKey({ name: `matrix-${role}`, role }, adminPrincipal);
        callers.push({ name: `${role} API key`, role, caller: { apiKey: key.key } });
      }
      // Something to read, so day feeds and aggregate streams answer.
      void server.engine.ingest([{ symbol: SYMBOL, price: 100, volume: 1 }], 'test', Date.now());
    });
    // The server's close() must end with every kind of session having been opened (before the
    // fix, the upgrade probes of routes that are not WebSockets left sockets that held it open).
    after(async () => {
      const started = Date.now();
      await server.close();
      const ms = Date.now() - started;
      console.log(`# close: ${ms} ms`);
      assert.ok(ms < 10_000, `close took ${ms} ms`);
    });

    it('every caller gets exactly what its role allows, on every entry', async () => {
      const compat = overrides.compat as Record<string, { anonymousReads?: boolean }> | undefined;
      const cppAnonymous = cppReadRole({ anonymousReads: compat?.cpp?.anonymousReads ?? true }) === undefined;
      const expressAnonymous =
        expressReadRole({ anonymousReads: compat?.express?.anonymousReads ?? true }) === undefined;
      const grpcAnonymous: Role | undefined =
        (overrides.grpc?.allowAnonymous as unknown[] | undefined)?.length === 0 ? undefined : 'writer';

      const rows: Row[] = [];
      // -- WebSocket endpoints: every GET route that upgrades, each with its protocol's client.
      const routes = getPaths(server.app.printRoutes({ commonPrefix: false }));
      const sockets: string[] = [];
      // The SockJS session transports under /ws/{server}/{session}/ frame the same STOMP session as
      // /ws/websocket (its access is that endpoint's, below); this matrix drives the raw endpoints.
      const sockjsSession = /^\/ws\/:[^/]+\/:[^/]+\//;
      for (const path of routes)
        if (!path.includes('*') && !sockjsSession.test(path) && (await upgrades(server.wsUrl, path)))
          sockets.push(path);
      const drivers: Record<string, (access: Access) => Row[]> = {
        '/ws': (access) =>
          ['ticks.MATRIX', 'stats.*', 'candles.1m.MATRIX', 'anomalies', 'anomalies.MATRIX', 'replays'].map(
            (channel) => ({
              what: `WebSocket /ws subscribe ${channel}`,
              access,
              call: (c) => wsSubscribe(server.wsUrl, c, [channel]),
            }),
          ),
        '/ws/marketdata': (access) => [
          { what: 'WebSocket /ws/marketdata', access, call: (c) => wsMarketData(server.wsUrl, c, SYMBOL) },
        ],
        '/stomp': (access) => stompRows('/stomp', access),
        '/ws/websocket': (access) => stompRows('/ws/websocket', access),
        '/graphql': (access) =>
          Object.values(graphqlSchema.getSubscriptionType()!.getFields()).map((field) => ({
            what: `GraphQL subscription ${field.name}`,
            access,
            call: (c) => graphqlSubscription(server.wsUrl, c, `subscription ${document(field)}`),
          })),
      };
      const socketAccess: Record<string, Access> = {
        '/ws': 'reader',
        '/ws/marketdata': cppAnonymous ? 'anyone' : 'reader',
        '/stomp': cppAnonymous ? 'anyone' : 'reader',
        '/ws/websocket': cppAnonymous ? 'anyone' : 'reader',
        '/graphql': 'reader',
      };
      for (const path of sockets) {
        const driver = drivers[path];
        assert.ok(driver !== undefined, `${path} upgrades to a WebSocket: add its client to this matrix`);
        rows.push(...driver(socketAccess[path]!));
      }
      assert.deepEqual(
        sockets.sort(),
        Object.keys(drivers).sort(),
        'every known WebSocket endpoint is routed',
      );

      function stompRows(path: string, access: Access): Row[] {
        const via = (c: Caller, frame: Parameters<typeof stomp>[2]) =>
          stomp(server.wsUrl, c, frame, undefined, path);
        return [
          ...[
            `/topic/market-data/${SYMBOL}`,
            '/topic/anomalies',
            `/topic/anomalies/${SYMBOL}`,
            `/topic/candles/1m/${SYMBOL}`,
            `/topic/ticks/${SYMBOL}`,
            '/topic/stats/*',
          ].map((destination) => ({
            what: `STOMP ${path} SUBSCRIBE ${destination}`,
            // Without credentials only the C++/Java server's day topic (its policy).
            access: destination.startsWith('/topic/market-data/') ? access : ('reader' as const),
            call: (c: Caller) => via(c, { command: 'SUBSCRIBE', destination }),
          })),
          // Destinations are read-only: a SEND is refused whoever sends it.
          {
            what: `STOMP ${path} SEND /topic/ticks/${SYMBOL}`,
            access: 'nobody' as const,
            call: (c: Caller) => via(c, { command: 'SEND', destination: `/topic/ticks/${SYMBOL}` }),
          },
        ];
      }

      // -- SSE: the streaming GET routes of the OpenAPI document.
      const openapi = server.app.swagger() as unknown as {
        paths: Record<string, Record<string, { tags?: string[] }>>;
      };
      const sse: Record<string, { path: string; access: Access }> = {
        '/api/stream': { path: '/api/stream?channels=stats.*,anomalies', access: 'reader' },
        '/realtime/ticks': { path: '/realtime/ticks', access: expressAnonymous ? 'anyone' : 'reader' },
      };
      const streamGets = Object.entries(openapi.paths)
        .filter(([path, item]) => item.get?.tags?.includes('streams') && !sockets.includes(path))
        .map(([path]) => path)
        // SockJS's info and iframe pages carry no data; its session transports carry the STOMP
        // session of /ws/websocket, whose access the STOMP rows check.
        .filter(
          (path) => path !== '/ws/info' && path !== '/ws/iframe.html' && !path.startsWith('/ws/{server}/'),
        );
      assert.deepEqual(
        streamGets.sort(),
        Object.keys(sse).sort(),
        'every streaming GET of the document is in the matrix',
      );
      for (const { path, access } of Object.values(sse))
        rows.push({ what: `SSE ${path}`, access, call: (c) => eventStream(server.url, path, c) });

      // -- GraphQL queries over HTTP: every field of the schema's Query type.
      for (const field of Object.values(graphqlSchema.getQueryType()!.getFields())) {
        rows.push({
          what: `GraphQL query ${field.name}`,
          access: field.name === 'marketData' && cppAnonymous ? 'anyone' : 'reader',
          call: (c) => graphqlQuery(server.url, c, `query ${document(field)}`),
        });
      }
      assert.ok(graphqlSchema.getMutationType() == null, 'the schema has mutations: add them to this matrix');

      // -- gRPC: every method of the service definition, its least role from the server's table.
      for (const [name, method] of Object.entries(marketDataService())) {
        const role = (METHOD_ROLES as Record<string, Role>)[name];
        assert.ok(role !== undefined, `gRPC method ${name} has no role in METHOD_ROLES`);
        rows.push({
          what: `gRPC ${name}`,
          access: role,
          anonymousAs: grpcAnonymous,
          call: (c) =>
            grpcCall(
              server.grpcClient,
              { name, requestStream: method.requestStream, responseStream: method.responseStream },
              c,
              SYMBOL,
            ),
        });
      }

      let calls = 0;
      const wrong: string[] = [];
      // One caller at a time, its rows at once.
      for (const who of callers) {
        const outcomes = await Promise.all(rows.map((row) => row.call(who.caller)));
        rows.forEach((row, i) => {
          const outcome = outcomes[i]!;
          const expected = allowed(row.access, who.role, row.anonymousAs);
          calls++;
          if (outcome.ok !== expected)
            wrong.push(
              `${who.name} → ${row.what} (needs ${row.access}): ${outcome.ok ? 'let in' : `refused: ${outcome.reason}`}`,
            );
        });
      }
      assert.deepEqual(wrong, [], `${wrong.length} of ${calls} wrong`);
      assert.ok(rows.length >= 30, `${rows.length} entries`);
      console.log(`# matrix: ${rows.length} entries × ${callers.length} callers = ${calls} calls`);
    });
  });
}

const graphqlSchema = buildSchema(SCHEMA);

/** `field(requiredArgs) { __typename }`: the least document that runs the field's resolver. */
function document(field: GraphQLField<unknown, unknown>): string {
  const args = field.args
    .filter((arg) => isNonNullType(arg.type))
    .map((arg) => {
      const type = getNamedType(arg.type).name;
      const value = arg.name === 'interval' ? '"1m"' : type === 'String' ? `"${SYMBOL}"` : '1';
      return `${arg.name}: ${value}`;
    });
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  return `{ ${field.name}${args.length > 0 ? `(${args.join(', ')})` : ''}${selection} }`;
}
