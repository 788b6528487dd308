// The iterators and batch helpers against a real server, over both
// protocols.
import { describe, expect, inject, it } from "vitest";

import {
  BatchError,
  Code,
  connectErrorOf,
  createAllRecords,
  createPyAirtable,
  deleteAllRecords,
  errorReason,
  fieldViolations,
  fromCells,
  listAllRecords,
  MAX_RECORDS_PER_CALL,
  Operator,
  paginate,
  SortDirection,
  toCells,
  updateAllRecords,
  type BatchProgress,
  type Protocol,
} from "../src/index.js";
import { newTable, unique } from "./support/fixtures.js";

const baseUrl = inject("serverUrl");
const token = inject("serverToken");
const protocols: Protocol[] = ["grpc-web", "connect"];

describe.each(protocols)("over %s", (transport) => {
  const api = createPyAirtable({ baseUrl, token, transport });

  it("listAllRecords follows page tokens to the last record, in order", async () => {
    const tableId = await newTable(api, `pages ${transport}`);
    await api.records.createRecords({
      tableId,
      records: Array.from({ length: 23 }, (_, i) => ({ fields: toCells({ Name: `r${i}`, N: i }) })),
    });
    const seen: number[] = [];
    for await (const r of listAllRecords(api.records, { tableId, pageSize: 5, sorts: [{ field: "N", direction: SortDirection.DESCENDING }] })) {
      seen.push(fromCells(r.fields)["N"] as number);
    }
    expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => 22 - i));

    const sizes: number[] = [];
    for await (const page of paginate(api.records.listRecords, { tableId, pageSize: 10 })) {
      sizes.push(page.records.length);
    }
    expect(sizes).toEqual([10, 10, 3]);

    // Stopping early fetches nothing more and leaves the rest unread.
    let taken = 0;
    for await (const _ of listAllRecords(api.records, { tableId, pageSize: 4 })) {
      if (++taken === 6) {
        break;
      }
    }
    expect(taken).toBe(6);
  });

  it("paginate works for other lists too", async () => {
    const names = [`p1 ${unique()}`, `p2 ${unique()}`];
    for (const name of names) {
      await api.workspaces.createWorkspace({ name });
    }
    const all: string[] = [];
    let pages = 0;
    for await (const page of paginate(api.workspaces.listWorkspaces, { pageSize: 1 })) {
      pages++;
      all.push(...page.workspaces.map((w) => w.name));
    }
    expect(all).toEqual(expect.arrayContaining(names));
    expect(pages).toBeGreaterThanOrEqual(all.length);
  });

  it("createAllRecords, updateAllRecords and deleteAllRecords split 2500 records into calls of 1000", async () => {
    const tableId = await newTable(api, `batch ${transport}`);
    const total = 2 * MAX_RECORDS_PER_CALL + 500;
    const progress: BatchProgress[] = [];
    const created = await createAllRecords(
      api.records,
      { tableId, records: Array.from({ length: total }, (_, i) => ({ fields: toCells({ Name: `n${i}`, N: i }) })) },
      { onProgress: (p) => progress.push(p) },
    );
    expect(progress).toEqual([
      { done: 1000, total, calls: 1 },
      { done: 2000, total, calls: 2 },
      { done: 2500, total, calls: 3 },
    ]);
    expect(created.records).toHaveLength(total);
    expect(created.records.map((r) => fromCells(r.fields)["N"])).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(new Set(created.records.map((r) => r.id)).size).toBe(total);
    expect((await api.records.countRecords({ tableId })).count).toBe(BigInt(total));

    // Upsert by Name: 2500 updates and 10 new records, across calls.
    const updated = await updateAllRecords(api.records, {
      tableId,
      mergeFields: ["Name"],
      records: [
        ...Array.from({ length: total }, (_, i) => ({ fields: toCells({ Name: `n${i}`, N: -i }) })),
        ...Array.from({ length: 10 }, (_, i) => ({ fields: toCells({ Name: `new${i}`, N: 1 }) })),
      ],
    });
    expect(updated.updatedRecordIds).toEqual(created.records.map((r) => r.id));
    expect(updated.createdRecordIds).toHaveLength(10);
    const negative = await api.records.countRecords({
      tableId,
      filter: { node: { case: "condition", value: { field: "N", operator: Operator.LESS_THAN, operand: { case: "value", value: toCells({ v: 0 })["v"]! } } } },
    });
    expect(negative.count, "records with N < 0 after the upsert").toBe(BigInt(total - 1));

    const deleted = await deleteAllRecords(api.records, { tableId, records: created.records.map((r) => ({ id: r.id })) });
    expect(deleted.deletedRecordIds).toHaveLength(total);
    expect(deleted.purgeTime).toBeDefined();
    expect((await api.records.countRecords({ tableId })).count).toBe(10n);
  });

  it("a failing call stops the batch; earlier calls stay written and the error says where", async () => {
    const tableId = await newTable(api, `batch error ${transport}`);
    const records = Array.from({ length: 1500 }, (_, i) => ({ fields: toCells(i === 1200 ? { N: "not a number" } : { Name: `b${i}`, N: i }) }));
    const calls: number[] = [];
    let err: unknown;
    try {
      await createAllRecords(api.records, { tableId, records }, { onProgress: (p) => calls.push(p.done) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BatchError);
    const be = err as BatchError<{ records: unknown[] }>;
    expect(be.offset).toBe(1000);
    expect(be.done.records).toHaveLength(1000);
    expect(calls).toEqual([1000]);
    expect(connectErrorOf(be)?.code).toBe(Code.InvalidArgument);
    expect(errorReason(be)).toBe("INVALID_CELL_VALUE");
    expect(fieldViolations(be).map((v) => v.field)).toContain('records[200].fields["N"]');
    expect((await api.records.countRecords({ tableId })).count).toBe(1000n);
  });

  it("a batch with a request id can be run again without writing twice", async () => {
    const tableId = await newTable(api, `batch again ${transport}`);
    const request = {
      tableId,
      requestId: `batch-${unique()}`,
      records: Array.from({ length: 1200 }, (_, i) => ({ fields: toCells({ Name: `a${i}` }) })),
    };
    const first = await createAllRecords(api.records, request);
    const again = await createAllRecords(api.records, request);
    expect(again.records.map((r) => r.id)).toEqual(first.records.map((r) => r.id));
    expect((await api.records.countRecords({ tableId })).count).toBe(1200n);
  });

  it("an empty batch makes no call", async () => {
    const res = await createAllRecords(api.records, { tableId: "tblAAAAAAAAAAAAAA", records: [] });
    expect(res.records).toEqual([]);
  });
});
