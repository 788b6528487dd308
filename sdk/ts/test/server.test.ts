// Calls a real server (started by test/support/global-setup.ts) over both
// browser protocols.
import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@bufbuild/protobuf/wkt";
import { describe, expect, inject, it } from "vitest";

import {
  Code,
  ConnectError,
  createPyAirtable,
  errorReason,
  FieldType,
  fieldViolations,
  Operator,
  SortDirection,
  type Protocol,
} from "../src/index.js";

const baseUrl = inject("serverUrl");
const token = inject("serverToken");

/** Awaits a call that must fail and returns its error as a ConnectError. */
async function rejection(call: Promise<unknown>): Promise<ConnectError> {
  let result: unknown;
  try {
    result = await call;
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectError);
    return err as ConnectError;
  }
  throw new Error(`the call succeeded with ${JSON.stringify(result, (_, v) => (typeof v === "bigint" ? String(v) : v))}; want an error`);
}

const protocols: Protocol[] = ["grpc-web", "connect"];

/** Turns plain values into record cells. */
function cells(values: Record<string, JsonValue>): Record<string, Value> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, fromJson(ValueSchema, v)]));
}

/** Turns record cells into plain values. */
function plain(fields: Record<string, Value> | undefined): Record<string, JsonValue> {
  return Object.fromEntries(Object.entries(fields ?? {}).map(([k, v]) => [k, toJson(ValueSchema, v)]));
}

describe.each(protocols)("over %s", (transport) => {
  const api = createPyAirtable({ baseUrl, token, transport });

  it("GetCurrentUser returns the token's user", async () => {
    const { user } = await api.users.getCurrentUser({});
    expect(user?.id).toMatch(/^usr[A-Za-z0-9]{14}$/);
  });

  it("CreateWorkspace adds a workspace that ListWorkspaces returns", async () => {
    const name = `ts ${transport} ${Date.now()} ${Math.random().toString(36).slice(2, 8)}`;
    const { workspace } = await api.workspaces.createWorkspace({ name, description: "from the TypeScript SDK" });
    expect(workspace?.id).toMatch(/^wsp[A-Za-z0-9]{14}$/);
    expect(workspace?.name).toBe(name);

    const ids: string[] = [];
    let pageToken = "";
    do {
      const page = await api.workspaces.listWorkspaces({ pageSize: 1000, pageToken });
      ids.push(...page.workspaces.map((w) => w.id));
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(ids).toContain(workspace?.id);
  });

  it("CreateWorkspace with an empty name is INVALID_ARGUMENT with a violation on name", async () => {
    const err = await rejection(api.workspaces.createWorkspace({ name: "" }));
    expect(err.code, err.message).toBe(Code.InvalidArgument);
    expect(errorReason(err), err.message).toBe("INVALID_ARGUMENT");
    const fields = fieldViolations(err);
    expect(fields.map((v) => v.field)).toContain("name");
    expect(fields.find((v) => v.field === "name")?.message).not.toBe("");
  });

  it("CreateBase and CreateTable make a table with typed fields", async () => {
    const { workspace } = await api.workspaces.createWorkspace({ name: `schema ${transport} ${Date.now()}` });
    const { base } = await api.bases.createBase({ workspaceId: workspace?.id ?? "", name: "CRM" });
    expect(base?.id).toMatch(/^app[A-Za-z0-9]{14}$/);
    const { table } = await api.tables.createTable({
      baseId: base?.id ?? "",
      name: "Leads",
      fields: [
        { name: "Name", type: FieldType.SINGLE_LINE_TEXT },
        {
          name: "Stage",
          type: FieldType.SINGLE_SELECT,
          options: { kind: { case: "select", value: { choices: [{ name: "New" }, { name: "Won" }] } } },
        },
      ],
    });
    expect(table?.fields.map((f) => f.name)).toEqual(["Name", "Stage"]);
    expect(table?.primaryFieldId).toBe(table?.fields[0]?.id);
    const stage = table?.fields[1];
    expect(stage?.options?.kind.case).toBe("select");
    if (stage?.options?.kind.case === "select") {
      expect(stage.options.kind.value.choices.map((c) => c.id)).toEqual([expect.stringMatching(/^sel/), expect.stringMatching(/^sel/)]);
    }
    const { versions } = await api.tables.listTableVersions({ tableId: table?.id ?? "" });
    expect(versions[0]?.summary).toBe("created the table");
  });

  it("records: create, filter and sort, upsert, delete", async () => {
    const { workspace } = await api.workspaces.createWorkspace({ name: `records ${transport} ${Date.now()}` });
    const { base } = await api.bases.createBase({ workspaceId: workspace?.id ?? "", name: "Shop" });
    const { table } = await api.tables.createTable({
      baseId: base?.id ?? "",
      name: "Products",
      fields: [
        { name: "Name", type: FieldType.SINGLE_LINE_TEXT },
        { name: "Price", type: FieldType.NUMBER },
      ],
    });
    const tableId = table?.id ?? "";
    const { records } = await api.records.createRecords({
      tableId,
      records: [{ fields: cells({ Name: "Pen", Price: 2 }) }, { fields: cells({ Name: "Lamp", Price: 30 }) }, { fields: cells({ Name: "Mug", Price: 8 }) }],
    });
    expect(records.map((r) => r.id)).toEqual([expect.stringMatching(/^rec/), expect.stringMatching(/^rec/), expect.stringMatching(/^rec/)]);
    expect(plain(records[0]?.fields)).toEqual({ Name: "Pen", Price: 2 });

    const page = await api.records.listRecords({
      tableId,
      filter: { node: { case: "condition", value: { field: "Price", operator: Operator.GREATER_THAN, operand: { case: "value", value: fromJson(ValueSchema, 5) } } } },
      sorts: [{ field: "Price", direction: SortDirection.DESCENDING }],
    });
    expect(page.records.map((r) => plain(r.fields)["Name"])).toEqual(["Lamp", "Mug"]);

    const upsert = await api.records.updateRecords({
      tableId,
      mergeFields: ["Name"],
      records: [{ fields: cells({ Name: "Mug", Price: 9 }) }, { fields: cells({ Name: "Bowl", Price: 12 }) }],
    });
    expect(upsert.updatedRecordIds).toEqual([records[2]?.id]);
    expect(upsert.createdRecordIds).toHaveLength(1);

    const bad = await rejection(api.records.createRecords({ tableId, records: [{ fields: cells({ Name: "Ok" }) }, { fields: cells({ Price: "lots" }) }] }));
    expect(bad.code, bad.message).toBe(Code.InvalidArgument);
    expect(fieldViolations(bad).map((v) => v.field)).toContain('records[1].fields["Price"]');

    await api.records.deleteRecords({ tableId, records: [{ id: records[0]?.id ?? "" }] });
    const { count } = await api.records.countRecords({ tableId });
    expect(count).toBe(3n);
  });

  it("a bad token is UNAUTHENTICATED", async () => {
    const bad = createPyAirtable({ baseUrl, token: "patAAAAAAAAAAAAAA.not-a-real-secret", transport });
    const err = await rejection(bad.users.getCurrentUser({}));
    expect(err.code, err.message).toBe(Code.Unauthenticated);
    expect(errorReason(err)).toBe("INVALID_CREDENTIALS");
  });
});
