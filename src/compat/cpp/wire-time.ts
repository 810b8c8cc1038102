/**
 * The C++/Java server's timestamps were its producers' `exchange_timestamp`, nanoseconds since
 * the epoch, written as exact 64-bit integers. tickstream keeps milliseconds; this is that time in
 * nanoseconds as JSON number text (beyond 2^53, so never through a float).
 */
export function nanosText(epochMs: number): string {
  return (BigInt(Math.trunc(epochMs)) * 1_000_000n).toString();
}
