// The parts of the retry interceptor that need no server.
import { describe, expect, it } from "vitest";

import { Code, ConnectError, CreateRecordsRequestSchema, ErrorInfoSchema, isNetworkError, ListRecordsRequestSchema, newRequestId, requestIdField } from "../src/index.js";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("newRequestId", () => {
  it("is a fresh version 4 UUID, also where crypto.randomUUID is missing", () => {
    const ids = new Set([newRequestId(), newRequestId()]);
    expect(ids.size).toBe(2);
    for (const id of ids) {
      expect(id).toMatch(uuid);
    }
    // Pages served over plain http (not localhost) have no randomUUID:
    // hide the prototype's for a moment.
    Object.defineProperty(globalThis.crypto, "randomUUID", { value: undefined, configurable: true });
    try {
      expect(globalThis.crypto.randomUUID).toBeUndefined();
      const a = newRequestId();
      const b = newRequestId();
      expect(a).toMatch(uuid);
      expect(b).toMatch(uuid);
      expect(a).not.toBe(b);
    } finally {
      delete (globalThis.crypto as { randomUUID?: unknown }).randomUUID;
    }
    expect(typeof globalThis.crypto.randomUUID).toBe("function");
  });
});

describe("requestIdField and isNetworkError", () => {
  it("find the request id of writes only", () => {
    expect(requestIdField(CreateRecordsRequestSchema)).toBe("requestId");
    expect(requestIdField(ListRecordsRequestSchema)).toBeUndefined();
  });

  it("tell failures to reach the server from its answers", () => {
    expect(isNetworkError(new TypeError("fetch failed"))).toBe(true);
    expect(isNetworkError(new ConnectError("missing trailer", Code.Unknown))).toBe(true);
    expect(isNetworkError(new ConnectError("down", Code.Unavailable, undefined, [{ desc: ErrorInfoSchema, value: { reason: "UNAVAILABLE" } }]))).toBe(false);
    expect(isNetworkError(new ConnectError("bad", Code.InvalidArgument, undefined, [{ desc: ErrorInfoSchema, value: { reason: "INVALID_ARGUMENT" } }]))).toBe(false);
    expect(isNetworkError(Object.assign(new Error("aborted"), { name: "AbortError" }))).toBe(false);
  });
});
