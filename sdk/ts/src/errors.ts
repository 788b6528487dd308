import { ConnectError } from "@connectrpc/connect";

import type { BatchError } from "./batch.js";

import { ViolationsSchema, type FieldPath } from "./gen/buf/validate/validate_pb.js";
import { ErrorInfoSchema, RetryInfoSchema, type ErrorInfo } from "./gen/pyairtable/common/v1/errors_pb.js";

/** One field that failed validation. */
export interface FieldViolation {
  /**
   * The path of the field in the request, such as `name` or
   * `records[3].fields["Price"]`.
   */
  field: string;
  /** What is wrong with it, for a person to read. */
  message: string;
  /** The id of the rule that failed, such as `string.min_len`. */
  ruleId: string;
}

/**
 * Returns the ConnectError behind err: err itself, or the first
 * ConnectError in its chain of `cause`s (a {@link BatchError} has the
 * failed call's error as its cause). Undefined when there is none.
 */
export function connectErrorOf(err: unknown): ConnectError | undefined {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (e instanceof ConnectError) {
      return e;
    }
    e = e instanceof Error ? e.cause : undefined;
  }
  return undefined;
}

/**
 * Returns the pyairtable.common.v1.ErrorInfo the server attached to a failed
 * call, or undefined when err carries none (or is not a ConnectError).
 */
export function errorInfo(err: unknown): ErrorInfo | undefined {
  return connectErrorOf(err)?.findDetails(ErrorInfoSchema)[0];
}

/**
 * Returns how long, in milliseconds, the server asked the caller to wait
 * before trying again: the pyairtable.common.v1.RetryInfo detail of a
 * RESOURCE_EXHAUSTED (rate limited) error, or else its `Retry-After`
 * header (in seconds). Undefined when the server named no delay.
 *
 * The SDK's retries already wait this long; read it when retries are off
 * or exhausted.
 */
export function retryDelayMs(err: unknown): number | undefined {
  const ce = connectErrorOf(err);
  if (ce === undefined) {
    return undefined;
  }
  const d = ce.findDetails(RetryInfoSchema)[0]?.retryDelay;
  if (d !== undefined) {
    return Number(d.seconds) * 1000 + Math.round(d.nanos / 1e6);
  }
  const header = ce.metadata.get("Retry-After");
  if (header !== null && /^\d+$/.test(header.trim())) {
    return Number(header.trim()) * 1000;
  }
  return undefined;
}

/**
 * Returns the machine-readable reason of a failed call, such as
 * `"INVALID_ARGUMENT"`, `"NOT_FOUND"` or `"RATE_LIMITED"`: the `reason` of the
 * pyairtable.common.v1.ErrorInfo detail. Undefined when there is none.
 */
export function errorReason(err: unknown): string | undefined {
  const reason = errorInfo(err)?.reason;
  return reason === "" ? undefined : reason;
}

/**
 * Returns the fields of the request that failed validation, from the
 * buf.validate.Violations detail of an INVALID_ARGUMENT error. Empty when
 * there is none. For a {@link BatchError} the paths are those of the failed
 * call: `records[3]` is record `err.offset + 3` of the whole batch.
 */
export function fieldViolations(err: unknown): FieldViolation[] {
  const ce = connectErrorOf(err);
  if (ce === undefined) {
    return [];
  }
  return ce.findDetails(ViolationsSchema).flatMap((vs) =>
    vs.violations.map((v) => ({
      field: formatFieldPath(v.field),
      message: v.message,
      ruleId: v.ruleId,
    })),
  );
}

/**
 * Renders a buf.validate.FieldPath as text: field names joined by dots, with
 * list indexes and map keys in brackets (`records[3].fields["Price"]`).
 */
export function formatFieldPath(path: FieldPath | undefined): string {
  let out = "";
  for (const el of path?.elements ?? []) {
    if (out !== "") {
      out += ".";
    }
    out += el.fieldName;
    switch (el.subscript.case) {
      case "stringKey":
        out += `[${JSON.stringify(el.subscript.value)}]`;
        break;
      case "index":
      case "intKey":
      case "uintKey":
      case "boolKey":
        out += `[${String(el.subscript.value)}]`;
        break;
      case undefined:
        break;
    }
  }
  return out;
}
