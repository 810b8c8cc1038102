import { normalizeSymbol } from '../core/tick.js';
import { ErrorCode, TickstreamError } from '../errors.js';

/** Request parameters that schemas cannot check alone. Each throws BAD_REQUEST naming the parameter. */

/** A symbol from a path or query, normalized. */
export function symbolParam(raw: string): string {
  const symbol = normalizeSymbol(raw);
  if (symbol === undefined)
    throw new TickstreamError(ErrorCode.BadRequest, `invalid symbol ${JSON.stringify(raw)}`);
  return symbol;
}

/** A time from a query string: epoch ms or ISO-8601. */
export function timeParam(name: string, text: string): number {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (Number.isNaN(ms))
    throw new TickstreamError(
      ErrorCode.BadRequest,
      `${name} must be ISO-8601 or epoch ms, got ${JSON.stringify(text)}`,
    );
  return ms;
}

/** `from` and `to` when given. */
export function timeRange(from: string | undefined, to: string | undefined): { from?: number; to?: number } {
  return {
    ...(from === undefined ? {} : { from: timeParam('from', from) }),
    ...(to === undefined ? {} : { to: timeParam('to', to) }),
  };
}
