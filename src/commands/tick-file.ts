import { extname } from 'node:path';

import { ErrorCode, TickstreamError } from '../errors.js';
import { parseFieldMap } from '../feeds/field-map.js';
import { createTickReader, TickFormat } from '../feeds/read-ticks.js';
import type { TickReader } from '../feeds/tick-record.js';

/**
 * The reader that a tick file's `--format` and `--map` options ask for. Without `--format`, the
 * file's extension decides: `.csv` is CSV, anything else NDJSON. A bad `--map` is a usage error.
 */
export function tickFileReader(
  path: string,
  format: TickFormat | undefined,
  map: string | undefined,
): TickReader {
  let fields;
  try {
    fields = map === undefined ? undefined : parseFieldMap(map);
  } catch (err) {
    throw new TickstreamError(ErrorCode.UsageInvalid, `--map: ${(err as Error).message}`, { cause: err });
  }
  const chosen = format ?? (extname(path).toLowerCase() === '.csv' ? TickFormat.Csv : TickFormat.Ndjson);
  return createTickReader(chosen, { map: fields });
}
