// Small helpers the test files share.
import { FieldType, type PyAirtable } from "../../src/index.js";

/** A short random suffix that keeps names of parallel tests apart. */
export function unique(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Creates a workspace, a base and a table with the fields Name (text) and
 * N (number), and returns the table's id.
 */
export async function newTable(api: PyAirtable, label: string): Promise<string> {
  const { workspace } = await api.workspaces.createWorkspace({ name: `${label} ${unique()}` });
  const { base } = await api.bases.createBase({ workspaceId: workspace?.id ?? "", name: "Base" });
  const { table } = await api.tables.createTable({
    baseId: base?.id ?? "",
    name: "Items",
    fields: [
      { name: "Name", type: FieldType.SINGLE_LINE_TEXT },
      { name: "N", type: FieldType.NUMBER },
    ],
  });
  if (table === undefined) {
    throw new Error("CreateTable returned no table");
  }
  return table.id;
}
