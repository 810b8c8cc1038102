/**
 * Field lists of plain-data records: the one place a record's fields are spelled out, in the order
 * every output keeps (analyze lines and API bodies are compared byte for byte, so JSON key order
 * matters). Storage builds its row mapping from the same lists.
 */

/** Names of the fields of `R` that a list leaves out (never when it names them all). */
export type MissingFields<R, F extends readonly PropertyKey[]> = Exclude<keyof R, F[number]>;

/**
 * Checks at compile time that `fields` names every field of `R` (each a key of `R`), and answers
 * the list as given: `recordFields<CandleData>()([...])`.
 */
export function recordFields<R>() {
  return <const F extends readonly (keyof R & string)[]>(
    fields: F & ([MissingFields<R, F>] extends [never] ? unknown : { readonly missing: MissingFields<R, F> }),
  ): F => fields;
}

/** A copy of `record` with exactly `fields`, in their order. */
export function pickFields<R, K extends keyof R>(record: R, fields: readonly K[]): Pick<R, K> {
  const out = {} as Pick<R, K>;
  for (const field of fields) out[field] = record[field];
  return out;
}
