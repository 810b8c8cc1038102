/**
 * Stable symbol → partition routing. Every symbol lives in exactly one partition, so its state has a
 * single writer wherever partitions run (today the main thread; later worker threads or nodes).
 * The hash must never change: persisted layouts and other nodes depend on it.
 */

/** 32-bit FNV-1a over the symbol's UTF-16 code units. */
export function symbolHash(symbol: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < symbol.length; i++) {
    hash ^= symbol.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function partitionOf(symbol: string, partitions: number): number {
  return symbolHash(symbol) % partitions;
}
