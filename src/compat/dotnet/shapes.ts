import { randomUUID } from 'node:crypto';

import type { Anomaly, Severity } from '../../core/spike-detector.js';
import type { Role } from '../../auth/roles.js';

/** The .NET system's severity names (its `PriceAnomaly.DetermineSeverity`). */
const SEVERITY_NAME: Readonly<Record<Severity, string>> = {
  medium: 'Medium',
  high: 'High',
  critical: 'Critical',
};

/**
 * The fields of its `PriceAnomalyDto` that tickstream's anomaly lacks, or names otherwise:
 * `oldPrice` is the reference price in the window, `newPrice` the tick's price, `detectedAt` the
 * tick's event time (it used the wall clock of detection, a moment later), `severity` capitalised.
 */
export function priceAnomalyDto(a: Anomaly): {
  oldPrice: number;
  newPrice: number;
  detectedAt: string;
  severity: string;
} {
  return {
    oldPrice: a.referencePrice,
    newPrice: a.price,
    detectedAt: new Date(a.ts).toISOString(),
    severity: SEVERITY_NAME[a.severity],
  };
}

/** JSON schema of `priceAnomalyDto`, to merge into a route's response schema. */
export const priceAnomalyDtoProperties = {
  oldPrice: { type: 'number', description: '.NET PriceAnomalyDto: the reference price' },
  newPrice: { type: 'number', description: '.NET PriceAnomalyDto: the price that moved' },
  detectedAt: { type: 'string', format: 'date-time', description: '.NET PriceAnomalyDto: event time' },
  severity: { type: 'string', enum: ['Medium', 'High', 'Critical'] },
} as const;

/** The claim type .NET's `ClaimTypes.Role` reads, whatever the token handler's claim mapping. */
export const DOTNET_ROLE_CLAIM = 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role';

export type RoleNames = Readonly<Record<Role, string>>;

/**
 * The claims its `JwtTokenService` put in access tokens, which its clients may decode:
 * `unique_name`, `email`, `userId`, `jti`, and the role under its .NET name. tickstream never
 * reads them back (its own `sub`, `role` and `sid` decide).
 */
export function dotnetClaims(roleNames: RoleNames) {
  return (subject: {
    id: string;
    username: string;
    email?: string;
    role: Role;
  }): Record<string, unknown> => ({
    unique_name: subject.username,
    ...(subject.email === undefined ? {} : { email: subject.email }),
    userId: subject.id,
    jti: randomUUID(),
    [DOTNET_ROLE_CLAIM]: roleNames[subject.role],
  });
}

/** tickstream's role for a role name: its own (`writer`) or the .NET alias (`User`), any case. */
export function roleFromName(name: string, roleNames: RoleNames): Role | undefined {
  const wanted = name.trim().toLowerCase();
  for (const [role, alias] of Object.entries(roleNames) as Array<[Role, string]>) {
    if (role === wanted || alias.toLowerCase() === wanted) return role;
  }
  return undefined;
}
