import { ConnectError } from "@connectrpc/connect";

import { ViolationsSchema, type FieldPath } from "./gen/buf/validate/validate_pb.js";
import { ErrorInfoSchema, type ErrorInfo } from "./gen/pyairtable/common/v1/errors_pb.js";

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
 * Returns the pyairtable.common.v1.ErrorInfo the server attached to a failed
 * call, or undefined when err carries none (or is not a ConnectError).
 */
export function errorInfo(err: unknown): ErrorInfo | undefined {
  if (!(err instanceof ConnectError)) {
    return undefined;
  }
  return err.findDetails(ErrorInfoSchema)[0];
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
 * there is none.
 */
export function fieldViolations(err: unknown): FieldViolation[] {
  if (!(err instanceof ConnectError)) {
    return [];
  }
  return err.findDetails(ViolationsSchema).flatMap((vs) =>
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
