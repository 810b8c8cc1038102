import type { Engine } from '../engine/engine.js';
import type { BatchWriter } from './batch-writer.js';

/**
 * Wires a batch writer to its engine as src/main.ts does: its listeners and its admission.
 * Returns the function that removes the listeners (the admission stays, as in the server).
 */
export function wireWriter(engine: Engine, writer: BatchWriter): () => void {
  const unwire = [
    engine.on('candle', writer.onCandle),
    engine.on('anomaly', writer.onAnomaly),
    engine.on('tick', writer.onTick),
  ];
  engine.setAdmission(writer.admission);
  return () => {
    for (const off of unwire) off();
  };
}
