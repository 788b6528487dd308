import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";

import {
  Code,
  ConnectError,
  BatchError,
  ErrorInfoSchema,
  RetryInfoSchema,
  retryDelayMs,
  FieldPathElementSchema,
  FieldPathSchema,
  ViolationSchema,
  ViolationsSchema,
  errorInfo,
  errorReason,
  fieldViolations,
  formatFieldPath,
} from "../src/index.js";

function path(...elements: MessageInitShape<typeof FieldPathElementSchema>[]) {
  return create(FieldPathSchema, { elements: elements.map((e) => create(FieldPathElementSchema, e)) });
}

const violations = create(ViolationsSchema, {
  violations: [
    create(ViolationSchema, { field: path({ fieldName: "name" }), ruleId: "string.min_len", message: "value length must be at least 1 characters" }),
    create(ViolationSchema, {
      field: path(
        { fieldName: "records", subscript: { case: "index", value: 3n } },
        { fieldName: "fields", subscript: { case: "stringKey", value: "Price" } },
      ),
      ruleId: "cell.number",
      message: "must be a number",
    }),
  ],
});

describe("errorReason and fieldViolations", () => {
  it("read details the error was constructed with", () => {
    const err = new ConnectError("bad request", Code.InvalidArgument, undefined, [
      { desc: ErrorInfoSchema, value: { reason: "INVALID_ARGUMENT", metadata: { limit: "200" } } },
      { desc: ViolationsSchema, value: violations },
    ]);
    expect(errorReason(err)).toBe("INVALID_ARGUMENT");
    expect(errorInfo(err)?.metadata).toEqual({ limit: "200" });
    expect(fieldViolations(err)).toEqual([
      { field: "name", message: "value length must be at least 1 characters", ruleId: "string.min_len" },
      { field: 'records[3].fields["Price"]', message: "must be a number", ruleId: "cell.number" },
    ]);
  });

  it("read details decoded from the wire", () => {
    const err = new ConnectError("not found", Code.NotFound);
    err.details = [
      { type: ErrorInfoSchema.typeName, value: toBinary(ErrorInfoSchema, create(ErrorInfoSchema, { reason: "NOT_FOUND" })) },
      { type: ViolationsSchema.typeName, value: toBinary(ViolationsSchema, violations) },
    ];
    expect(errorReason(err)).toBe("NOT_FOUND");
    expect(fieldViolations(err).map((v) => v.field)).toEqual(["name", 'records[3].fields["Price"]']);
  });

  it("answer nothing for errors without details and for other values", () => {
    const bare = new ConnectError("boom", Code.Internal);
    expect(errorReason(bare)).toBeUndefined();
    expect(fieldViolations(bare)).toEqual([]);
    for (const other of [new Error("boom"), "boom", undefined, null]) {
      expect(errorReason(other)).toBeUndefined();
      expect(fieldViolations(other)).toEqual([]);
    }
  });

  it("format every kind of subscript", () => {
    expect(formatFieldPath(undefined)).toBe("");
    expect(
      formatFieldPath(
        path(
          { fieldName: "a", subscript: { case: "boolKey", value: true } },
          { fieldName: "b", subscript: { case: "intKey", value: -2n } },
          { fieldName: "c", subscript: { case: "uintKey", value: 7n } },
          { fieldName: "d", subscript: { case: "stringKey", value: 'say "hi"' } },
          { fieldName: "e" },
        ),
      ),
    ).toBe('a[true].b[-2].c[7].d["say \\"hi\\""].e');
  });
});

describe("retryDelayMs", () => {
  it("reads RetryInfo, else the Retry-After header, else nothing", () => {
    const withInfo = new ConnectError("slow down", Code.ResourceExhausted, new Headers({ "Retry-After": "9" }), [
      { desc: RetryInfoSchema, value: { retryDelay: { seconds: 1n, nanos: 250_000_000 } } },
    ]);
    expect(retryDelayMs(withInfo)).toBe(1250);
    expect(retryDelayMs(new ConnectError("slow down", Code.ResourceExhausted, new Headers({ "Retry-After": "3" })))).toBe(3000);
    expect(retryDelayMs(new ConnectError("slow down", Code.ResourceExhausted, new Headers({ "Retry-After": "soon" })))).toBeUndefined();
    expect(retryDelayMs(new ConnectError("boom", Code.Internal))).toBeUndefined();
    expect(retryDelayMs(new Error("boom"))).toBeUndefined();
  });

  it("reads through a BatchError to the failed call's error", () => {
    const cause = new ConnectError("slow down", Code.ResourceExhausted, undefined, [
      { desc: ErrorInfoSchema, value: { reason: "RATE_LIMITED" } },
      { desc: RetryInfoSchema, value: { retryDelay: { seconds: 2n } } },
    ]);
    const err = new BatchError(cause, 2000, { records: [] });
    expect(err.offset).toBe(2000);
    expect(err.message).toContain("record 2000");
    expect(errorReason(err)).toBe("RATE_LIMITED");
    expect(retryDelayMs(err)).toBe(2000);
  });
});
