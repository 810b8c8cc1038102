/** Who may do what: `reader` reads, `writer` also ingests, `admin` also manages users and keys. */
export const Role = { Reader: 'reader', Writer: 'writer', Admin: 'admin' } as const;
export type Role = (typeof Role)[keyof typeof Role];

export const ROLES: readonly Role[] = [Role.Reader, Role.Writer, Role.Admin];

const RANK: Readonly<Record<Role, number>> = { reader: 1, writer: 2, admin: 3 };

/** Whether `role` includes everything `required` may do. */
export function roleAllows(role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required];
}

export function isRole(value: unknown): value is Role {
  return value === Role.Reader || value === Role.Writer || value === Role.Admin;
}

/** Who made a request: a user (by token) or a machine (by API key). */
export interface Principal {
  readonly kind: 'user' | 'apiKey';
  readonly id: string;
  /** Username, or the API key's name. */
  readonly name: string;
  readonly role: Role;
  /** For users: when the access token expires (epoch ms). */
  readonly expiresAt?: number;
}

/**
 * The caller of an earlier system's read that was public (docs/compat.md): a reader that never
 * expires. Only the routes whose compat policy allows anonymous reads hand it out.
 */
export const ANONYMOUS_READER: Principal = {
  kind: 'user',
  id: 'anonymous',
  name: 'anonymous',
  role: 'reader',
};
