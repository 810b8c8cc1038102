import type { PortTickEvent } from '../../engine/engine-port.js';
import type { Channel } from './channel.js';

/**
 * A symbol's channels and its latest tick, found with one map lookup per engine event. The latest
 * tick is kept field by field (the engine reuses its event object), so keeping it allocates
 * nothing; it is serialized only when a channel needs it.
 */
export class SymbolChannels {
  readonly symbol: string;
  ticks: Channel | undefined = undefined;
  stats: Channel | undefined = undefined;
  anomalies: Channel | undefined = undefined;
  /** Candle channels by interval label. */
  candles: Map<string, Channel> | undefined = undefined;

  hasTick = false;
  ts = 0;
  price = 0;
  volume = 0;
  seq: number | undefined = undefined;
  id: string | undefined = undefined;
  source = '';
  #sourceJson = '""';

  constructor(symbol: string) {
    this.symbol = symbol;
  }

  record(e: PortTickEvent): void {
    this.hasTick = true;
    this.ts = e.ts;
    this.price = e.price;
    this.volume = e.volume;
    this.seq = e.seq;
    this.id = e.id;
    if (e.source !== this.source) {
      this.source = e.source;
      this.#sourceJson = JSON.stringify(e.source);
    }
  }

  /** The latest tick as the data of a `ticks` message: `{symbol, ts, price, volume, seq?, id?, source}`. */
  tickJson(): string {
    // Symbols match [A-Z0-9._:/-]: nothing to escape.
    let json =
      '{"symbol":"' +
      this.symbol +
      '","ts":' +
      this.ts +
      ',"price":' +
      this.price +
      ',"volume":' +
      this.volume;
    if (this.seq !== undefined) json += ',"seq":' + this.seq;
    if (this.id !== undefined) json += ',"id":' + JSON.stringify(this.id);
    return json + ',"source":' + this.#sourceJson + '}';
  }
}
