import { isIP } from 'node:net';

/** Whether `address` is a loopback address (127.0.0.0/8, ::1). */
export function isLoopback(address: string): boolean {
  return isIP(address) === 4 ? address.startsWith('127.') : address === '::1';
}

/**
 * The connection address of an ICE candidate line (`candidate:…` with or without `a=`), or
 * undefined when the line is not a candidate. RFC 8839 §5.1: foundation, component, transport,
 * priority, address, port, `typ`, type, …
 */
export function candidateAddress(line: string): string | undefined {
  const text = line.startsWith('a=') ? line.slice(2) : line;
  if (!text.startsWith('candidate:')) return undefined;
  const parts = text.split(' ');
  return parts.length >= 8 ? parts[4] : undefined;
}

/**
 * `sdp` without the candidate lines whose address `keep` refuses. The answer tickstream sends
 * keeps only its configured host addresses (werift gathers on every interface), and a client's
 * offer loses candidates tickstream must not try (mDNS `.local` names, which would need
 * multicast to resolve; non-loopback addresses on a loopback-only server).
 */
export function filterCandidates(sdp: string, keep: (address: string) => boolean): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  return sdp
    .split(eol)
    .filter((line) => {
      const address = candidateAddress(line);
      return address === undefined || keep(address);
    })
    .join(eol);
}

/** The `a=mid:` of the first media section, which a bare candidate line is taken to belong to. */
export function firstMid(sdp: string): string | undefined {
  const match = /^a=mid:(\S+)/m.exec(sdp);
  return match?.[1];
}
