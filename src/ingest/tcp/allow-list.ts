import { BlockList, isIP } from 'node:net';

import { ErrorCode, TickstreamError } from '../../errors.js';

/**
 * Which clients may connect to the TCP ingest (config `tcp.allow`). The TCP protocol of the
 * earlier system carries no credentials, so when the server listens beyond loopback the network
 * address is the only gate: the list is then required, and a client outside it is refused.
 */
export class AllowList {
  readonly #list: BlockList | undefined;

  /**
   * `entries`: IPv4 or IPv6 addresses and CIDR blocks (`10.0.0.0/8`, `0.0.0.0/0` for any IPv4).
   * Throws CONFIG_INVALID naming `tcp.allow` for an entry that is neither, or when `host` is not
   * a loopback address and the list is empty. On loopback the list is not needed and not used.
   */
  constructor(host: string, entries: readonly string[]) {
    const list = new BlockList();
    for (const entry of entries) addEntry(list, entry.trim(), 'tcp.allow');
    if (isLoopback(host)) this.#list = undefined;
    else if (entries.length === 0) {
      throw new TickstreamError(
        ErrorCode.ConfigInvalid,
        `config tcp.allow: tcp.host ${host} is not a loopback address, so tcp.allow must list the client addresses that may connect (e.g. 10.0.0.0/8, or 0.0.0.0/0 and ::/0 for any)`,
      );
    } else this.#list = list;
  }

  /** Whether a client at `address` (as `socket.remoteAddress` gives it) may connect. */
  allows(address: string | undefined): boolean {
    const list = this.#list;
    if (list === undefined) return true;
    if (address === undefined) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped !== null) return list.check(mapped[1]!, 'ipv4') || list.check(address, 'ipv6');
    const family = isIP(address);
    if (family === 0) return false;
    return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\./.test(h);
}

/**
 * Addresses that may do something without credentials (config `grpc.allowAnonymous`): unlike
 * {@link AllowList} it is checked whatever the listening address, and an empty list allows none.
 */
export class AddressList {
  readonly #list = new BlockList();
  readonly #empty: boolean;

  /** `key`: the config key named in a CONFIG_INVALID error for a bad entry. */
  constructor(entries: readonly string[], key: string) {
    for (const entry of entries) addEntry(this.#list, entry.trim(), key);
    this.#empty = entries.length === 0;
  }

  /** Whether `address` (an IP, IPv4-mapped IPv6 included) is in the list. */
  has(address: string | undefined): boolean {
    if (this.#empty || address === undefined) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped !== null) return this.#list.check(mapped[1]!, 'ipv4');
    const family = isIP(address);
    if (family === 0) return false;
    return this.#list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

function addEntry(list: BlockList, entry: string, key: string): void {
  const slash = entry.indexOf('/');
  const address = slash < 0 ? entry : entry.slice(0, slash);
  const family = isIP(address);
  const prefixText = slash < 0 ? undefined : entry.slice(slash + 1);
  const prefix = prefixText === undefined ? undefined : Number(prefixText);
  const maxPrefix = family === 4 ? 32 : 128;
  if (
    family === 0 ||
    (prefix !== undefined && (!/^\d+$/.test(prefixText!) || !Number.isInteger(prefix) || prefix > maxPrefix))
  ) {
    throw new TickstreamError(
      ErrorCode.ConfigInvalid,
      `config ${key}: "${entry}" is not an IP address or a CIDR block (e.g. 192.168.1.20 or 10.0.0.0/8)`,
    );
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (prefix === undefined) list.addAddress(address, type);
  else list.addSubnet(address, prefix, type);
}
