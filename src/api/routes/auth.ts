import type { FastifyPluginAsync } from 'fastify';

import type { AuthService } from '../../auth/auth-service.js';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../../auth/passwords.js';
import { ROLES } from '../../auth/roles.js';
import { errorAnswer } from '../openapi.js';

/**
 * Ids are UUIDs: printable ASCII keeps anything else (a NUL byte, which PostgreSQL refuses in
 * text) a 400 instead of reaching the database; an unknown id stays a 404.
 */
const ID = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' } as const;

const user = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    username: { type: 'string' },
    email: { type: 'string' },
    firstName: { type: ['string', 'null'] },
    lastName: { type: ['string', 'null'] },
    role: { type: 'string', enum: ROLES },
    active: { type: 'boolean' },
  },
} as const;

const tokens = {
  type: 'object',
  properties: {
    accessToken: { type: 'string' },
    refreshToken: { type: 'string' },
    expiresAt: { type: 'string', format: 'date-time' },
    user,
  },
} as const;

const password = { type: 'string', minLength: 1, maxLength: 1024 } as const;
const newPassword = {
  type: 'string',
  minLength: MIN_PASSWORD_LENGTH,
  maxLength: MAX_PASSWORD_LENGTH,
} as const;
const bearer: Array<Record<string, string[]>> = [{ bearer: [] }];

/** Accounts, sessions, users and API keys (docs/api.md, "Authentication"). */
export const authRoutes: FastifyPluginAsync<{ auth: AuthService; loginLimit: number }> = async (
  app,
  { auth, loginLimit },
) => {
  app.post<{
    Body: {
      username: string;
      email: string;
      password: string;
      firstName?: string | null;
      lastName?: string | null;
    };
  }>(
    '/api/auth/register',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account (when self-registration is on)',
        body: {
          type: 'object',
          required: ['username', 'email', 'password'],
          additionalProperties: false,
          properties: {
            username: { type: 'string', minLength: 3, maxLength: 50, pattern: '^[A-Za-z0-9._-]+$' },
            email: { type: 'string', format: 'email', maxLength: 254 },
            password: newPassword,
            // null as well as absent: System.Text.Json sends null for the .NET clients' unset fields.
            firstName: { type: ['string', 'null'], maxLength: 100 },
            lastName: { type: ['string', 'null'], maxLength: 100 },
          },
        },
        response: {
          201: tokens,
          403: errorAnswer('Self-registration is off (REGISTRATION_DISABLED)'),
          409: errorAnswer('The username or email is taken (CONFLICT)'),
        },
      },
      config: { rateLimit: { max: loginLimit, timeWindow: 60_000 } },
    },
    async (request, reply) => reply.status(201).send(await auth.register(request.body)),
  );

  app.post<{ Body: { username: string; password: string } }>(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Log in',
        body: {
          type: 'object',
          required: ['username', 'password'],
          additionalProperties: false,
          properties: { username: { type: 'string', minLength: 1, maxLength: 254 }, password },
        },
        response: {
          200: tokens,
          401: errorAnswer(
            'Unknown user, wrong password or a deactivated account: one answer (INVALID_CREDENTIALS)',
          ),
          429: errorAnswer(
            'Too many failed logins from this address or for this username, or too many attempts: wait for Retry-After (RATE_LIMITED)',
          ),
        },
      },
      config: {
        rateLimit: {
          max: loginLimit,
          timeWindow: 60_000,
          // Per address and per username, so one client cannot try many passwords for one account.
          keyGenerator: (request) => {
            const username = (request.body as { username?: unknown } | undefined)?.username;
            return `login:${request.ip}:${typeof username === 'string' ? username : ''}`;
          },
        },
      },
    },
    (request) => auth.login(request.body.username, request.body.password, request.ip),
  );

  app.post<{ Body: { refreshToken: string } }>(
    '/api/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token for new tokens (the refresh token rotates)',
        body: {
          type: 'object',
          required: ['refreshToken'],
          additionalProperties: false,
          properties: { refreshToken: { type: 'string', minLength: 1, maxLength: 512 } },
        },
        response: {
          200: tokens,
          401: errorAnswer('The refresh token is unknown, expired or reused (TOKEN_INVALID)'),
        },
      },
      config: { rateLimit: { max: loginLimit * 6, timeWindow: 60_000 } },
    },
    (request) => auth.refresh(request.body.refreshToken),
  );

  app.post<{ Body: { refreshToken?: string } | undefined }>(
    '/api/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'End the session',
        security: bearer,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: { refreshToken: { type: 'string', minLength: 1, maxLength: 512 } },
        },
      },
      config: { role: 'reader' },
      // No body at all (the .NET clients send none, nor a content type) is an empty one.
      preValidation: (request, _reply, done) => {
        request.body ??= {};
        done();
      },
    },
    async (request, reply) => {
      await auth.logout(request.principal!, request.body?.refreshToken);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/auth/me',
    {
      schema: { tags: ['auth'], summary: 'The current user', security: bearer, response: { 200: user } },
      config: { role: 'reader' },
    },
    (request) => auth.me(request.principal!),
  );

  app.post<{ Body: { currentPassword: string; newPassword: string } }>(
    '/api/auth/change-password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Change the password; every other session ends, the answer starts a new one',
        security: bearer,
        body: {
          type: 'object',
          required: ['currentPassword', 'newPassword'],
          additionalProperties: false,
          properties: { currentPassword: password, newPassword },
        },
        response: { 200: tokens },
      },
      config: { role: 'reader' },
    },
    (request) =>
      auth.changePassword(request.principal!, request.body.currentPassword, request.body.newPassword),
  );

  app.get(
    '/api/auth/users',
    {
      schema: {
        tags: ['admin'],
        summary: 'List users',
        security: bearer,
        response: { 200: { type: 'array', items: user } },
      },
      config: { role: 'admin' },
    },
    () => auth.listUsers(),
  );

  app.patch<{ Params: { id: string }; Body: { role?: 'admin' | 'writer' | 'reader'; active?: boolean } }>(
    '/api/auth/users/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change a user’s role, or (de)activate them',
        security: bearer,
        params: { type: 'object', properties: { id: ID } },
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { role: { type: 'string', enum: ROLES }, active: { type: 'boolean' } },
        },
        response: { 200: user },
      },
      config: { role: 'admin' },
    },
    (request) => auth.updateUser(request.params.id, request.body),
  );

  const apiKey = {
    type: 'object',
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string', enum: ROLES },
      prefix: { type: 'string' },
      createdAt: { type: 'string', format: 'date-time' },
      lastUsedAt: { type: ['string', 'null'], format: 'date-time' },
      revokedAt: { type: ['string', 'null'], format: 'date-time' },
    },
  } as const;

  app.post<{ Body: { name: string; role: 'admin' | 'writer' | 'reader' } }>(
    '/api/auth/api-keys',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create an API key (the key is in this answer only)',
        security: bearer,
        body: {
          type: 'object',
          required: ['name', 'role'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 100 },
            role: { type: 'string', enum: ROLES },
          },
        },
        response: { 201: { ...apiKey, properties: { ...apiKey.properties, key: { type: 'string' } } } },
      },
      config: { role: 'admin' },
    },
    async (request, reply) =>
      reply.status(201).send(await auth.createApiKey(request.body, request.principal!)),
  );

  app.get(
    '/api/auth/api-keys',
    {
      schema: {
        tags: ['admin'],
        summary: 'List API keys',
        security: bearer,
        response: { 200: { type: 'array', items: apiKey } },
      },
      config: { role: 'admin' },
    },
    () => auth.listApiKeys(),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/auth/api-keys/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Revoke an API key',
        security: bearer,
        params: { type: 'object', properties: { id: ID } },
      },
      config: { role: 'admin' },
    },
    async (request, reply) => {
      await auth.revokeApiKey(request.params.id);
      return reply.status(204).send();
    },
  );
};
