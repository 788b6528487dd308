// Retries against a real server: through a proxy that loses a call's
// answer after the server committed it, and against a server with a tight
// rate limit.
import { create, fromBinary, fromJson, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";

import {
  Code,
  ConnectError,
  CreateRecordsRequestSchema,
  CreateRecordsResponseSchema,
  createPyAirtable,
  errorReason,
  isNetworkError,
  listAllRecords,
  retryDelayMs,
  toCells,
  type Protocol,
  type RetryEvent,
} from "../src/index.js";
import { newTable } from "./support/fixtures.js";
import { startProxy, type ProxiedCall } from "./support/proxy.js";
import { startServer, type TestServer } from "./support/server.js";

const baseUrl = inject("serverUrl");
const token = inject("serverToken");
const protocols: Protocol[] = ["grpc-web", "connect"];
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Decodes a gRPC-Web (first frame) or Connect JSON body as schema. */
function decode<D extends DescMessage>(schema: D, contentType: string, body: Buffer): MessageShape<D> {
  if (contentType.startsWith("application/grpc-web")) {
    expect(body[0], "flags of the first gRPC-Web frame").toBe(0);
    const len = body.readUInt32BE(1);
    return fromBinary(schema, body.subarray(5, 5 + len));
  }
  return fromJson(schema, JSON.parse(body.toString("utf8")));
}

/** Awaits a call that must fail and returns its error. */
async function rejection(call: Promise<unknown>): Promise<unknown> {
  try {
    await call;
  } catch (err) {
    return err;
  }
  throw new Error("the call succeeded; want an error");
}

const isCreate = (c: ProxiedCall) => c.path.endsWith("/pyairtable.data.v1.RecordService/CreateRecords");

describe.each(protocols)("over %s", (transport) => {
  const direct = createPyAirtable({ baseUrl, token, transport });

  it("a write whose answer is lost is retried with the same request id, applied once, and returns the first answer", async () => {
    const tableId = await newTable(direct, `retry ${transport}`);
    const proxy = await startProxy(baseUrl, (path, earlier) => (path.endsWith("/CreateRecords") && earlier === 0 ? "drop-response" : undefined));
    try {
      const retries: RetryEvent[] = [];
      const api = createPyAirtable({ baseUrl: proxy.url, token, transport, retry: { baseDelayMs: 10, onRetry: (e) => retries.push(e) } });
      const input = create(CreateRecordsRequestSchema, { tableId, records: [{ fields: toCells({ Name: "once" }) }, { fields: toCells({ Name: "twice?" }) }] });
      const res = await api.records.createRecords(input);

      expect(input.requestId, "the caller's message is left as it was").toBe("");
      const creates = proxy.calls.filter(isCreate);
      expect(creates.map((c) => c.fault)).toEqual(["drop-response", undefined]);
      const sentIds = creates.map((c) => decode(CreateRecordsRequestSchema, c.contentType, c.body).requestId);
      expect(sentIds[0]).toMatch(uuid);
      expect(sentIds[1], "the retry carries the first attempt's request id").toBe(sentIds[0]);
      expect(retries.map((e) => [e.procedure, e.attempt])).toEqual([["/pyairtable.data.v1.RecordService/CreateRecords", 2]]);
      expect(isNetworkError(retries[0]?.error)).toBe(true);

      // The first attempt committed: its lost answer and the returned one
      // name the same records, and the table holds those two only.
      const lost = creates[0]?.response;
      expect(lost?.status).toBe(200);
      const lostIds = decode(CreateRecordsResponseSchema, creates[0]?.contentType ?? "", lost?.body ?? Buffer.alloc(0)).records.map((r) => r.id);
      expect(lostIds).toHaveLength(2);
      expect(res.records.map((r) => r.id)).toEqual(lostIds);
      expect((await direct.records.countRecords({ tableId })).count).toBe(2n);
      const stored: string[] = [];
      for await (const r of listAllRecords(direct.records, { tableId })) {
        stored.push(r.id);
      }
      expect(stored).toEqual(lostIds);
    } finally {
      await proxy.close();
    }
  });

  it("without retries the lost answer is a network error, though the write was applied", async () => {
    const tableId = await newTable(direct, `no retry ${transport}`);
    const proxy = await startProxy(baseUrl, (path) => (path.endsWith("/CreateRecords") ? "drop-response" : undefined));
    try {
      const api = createPyAirtable({ baseUrl: proxy.url, token, transport, retry: false });
      const err = await rejection(api.records.createRecords({ tableId, records: [{ fields: toCells({ Name: "x" }) }] }));
      expect(isNetworkError(err), String(err)).toBe(true);
      expect(proxy.calls.filter(isCreate)).toHaveLength(1);
      expect((await direct.records.countRecords({ tableId })).count).toBe(1n);
    } finally {
      await proxy.close();
    }
  });

  it("a read whose connection drops is sent again", async () => {
    const tableId = await newTable(direct, `read retry ${transport}`);
    await direct.records.createRecords({ tableId, records: [{ fields: toCells({ Name: "a" }) }] });
    const proxy = await startProxy(baseUrl, (path, earlier) => (path.endsWith("/ListRecords") && earlier < 2 ? "drop-request" : undefined));
    try {
      const api = createPyAirtable({ baseUrl: proxy.url, token, transport, retry: { baseDelayMs: 5 } });
      const page = await api.records.listRecords({ tableId });
      expect(page.records).toHaveLength(1);
      expect(proxy.calls.map((c) => c.fault)).toEqual(["drop-request", "drop-request", undefined]);

      const once = createPyAirtable({ baseUrl: proxy.url, token, transport, retry: { maxAttempts: 1 } });
      proxy.calls.length = 0;
      const err = await rejection(once.records.listRecords({ tableId }));
      expect(isNetworkError(err)).toBe(true);
      expect(proxy.calls).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it("a request over the size limit (RESOURCE_EXHAUSTED without a delay) is not sent again", async () => {
    const retries: RetryEvent[] = [];
    const api = createPyAirtable({ baseUrl, token, transport, retry: { onRetry: (e) => retries.push(e) } });
    const text = "x".repeat(9000);
    const err = await rejection(
      api.records.createRecords({ tableId: "tblAAAAAAAAAAAAAA", records: Array.from({ length: 1000 }, () => ({ fields: toCells({ Name: text }) })) }),
    );
    expect(err instanceof ConnectError && err.code, String(err)).toBe(Code.ResourceExhausted);
    expect(retryDelayMs(err)).toBeUndefined();
    expect(retries).toEqual([]);
  });

  it("without a token calls send cookies (credentials: include); with one they do not", async () => {
    const seen: (RequestCredentials | undefined)[] = [];
    const real = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      seen.push(init?.credentials);
      return real(input, init);
    };
    try {
      const anonymous = createPyAirtable({ baseUrl, transport, retry: false });
      const err = await rejection(anonymous.users.getCurrentUser({}));
      expect(err instanceof ConnectError && err.code).toBe(Code.Unauthenticated);
      await direct.users.getCurrentUser({});
    } finally {
      globalThis.fetch = real;
    }
    expect(seen).toEqual(["include", undefined]);
  });
});

describe("against a rate limit of one call a second", () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startServer(inject("serverBin"), { PYAIRTABLE_RATE_LIMIT: "1", PYAIRTABLE_RATE_BURST: "1" });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  /** Calls until the limit answers, and returns that error. */
  async function exhaust(transport: Protocol): Promise<unknown> {
    const api = createPyAirtable({ baseUrl: limited.url, token: limited.token, transport, retry: false });
    for (let i = 0; i < 5; i++) {
      try {
        await api.users.getCurrentUser({});
      } catch (err) {
        return err;
      }
    }
    throw new Error("5 calls in a row were let through; want the limit to answer");
  }

  it.each(protocols)("over %s RESOURCE_EXHAUSTED names the delay, and retries wait it and succeed", async (transport) => {
    const err = await exhaust(transport);
    expect(err instanceof ConnectError && err.code).toBe(Code.ResourceExhausted);
    expect(errorReason(err)).toBe("RATE_LIMITED");
    const delay = retryDelayMs(err);
    expect(delay).toBeGreaterThan(0);
    expect(delay).toBeLessThanOrEqual(1000);

    const retries: RetryEvent[] = [];
    const api = createPyAirtable({ baseUrl: limited.url, token: limited.token, transport, retry: { onRetry: (e) => retries.push(e) } });
    const start = Date.now();
    const { user } = await api.users.getCurrentUser({});
    expect(user?.email).toBe("sdk@example.com");
    expect(retries.length).toBeGreaterThanOrEqual(1);
    for (const e of retries) {
      expect(errorReason(e.error)).toBe("RATE_LIMITED");
      expect(e.delayMs, "the wait is the server's delay").toBe(retryDelayMs(e.error));
    }
    expect(Date.now() - start).toBeGreaterThanOrEqual((retries[0]?.delayMs ?? 0) - 5);
  });

  it.each(protocols)("over %s an abort ends the wait between attempts at once", async (transport) => {
    await exhaust(transport);
    const retries: RetryEvent[] = [];
    const api = createPyAirtable({ baseUrl: limited.url, token: limited.token, transport, retry: { onRetry: (e) => retries.push(e) } });
    const ac = new AbortController();
    const start = Date.now();
    setTimeout(() => ac.abort(), 50);
    const err = await rejection(api.users.getCurrentUser({}, { signal: ac.signal }));
    const elapsed = Date.now() - start;
    expect(err instanceof ConnectError && err.code, String(err)).toBe(Code.Canceled);
    expect(retries).toHaveLength(1);
    expect(retries[0]?.delayMs).toBeGreaterThan(elapsed);
  });
});
