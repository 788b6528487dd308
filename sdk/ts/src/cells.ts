import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@bufbuild/protobuf/wkt";

/**
 * Turns plain values into record cells (`google.protobuf.Value`s), keyed
 * as given (field names or ids):
 *
 * ```ts
 * await api.records.createRecords({ tableId, records: [{ fields: toCells({ Name: "Pen", Price: 2 }) }] });
 * ```
 *
 * `null` is an empty cell; strings, numbers, booleans, arrays and objects
 * are written as they are.
 */
export function toCells(values: { readonly [field: string]: JsonValue }): { [field: string]: Value } {
  const out: { [field: string]: Value } = {};
  for (const [k, v] of Object.entries(values)) {
    out[k] = fromJson(ValueSchema, v);
  }
  return out;
}

/** Turns record cells back into plain values: the inverse of {@link toCells}. */
export function fromCells(fields: { readonly [field: string]: Value } | undefined): { [field: string]: JsonValue } {
  const out: { [field: string]: JsonValue } = {};
  for (const [k, v] of Object.entries(fields ?? {})) {
    out[k] = toJson(ValueSchema, v);
  }
  return out;
}
