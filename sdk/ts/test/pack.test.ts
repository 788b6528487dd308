// Packs the SDK as npm would publish it, installs the tarball into an empty
// project (its dependencies come from the registry), and runs a plain ESM
// script and a type check there against a real server.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { afterAll, expect, inject, it } from "vitest";

const run = promisify(execFile);
const sdkDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
let dir = "";

afterAll(async () => {
  if (dir !== "") {
    await rm(dir, { recursive: true, force: true });
  }
});

const script = `
import { createAllRecords, createPyAirtable, errorReason, FieldType, fromCells, listAllRecords, toCells } from "@pyairtable/sdk";
import { RecordService } from "@pyairtable/sdk/gen/pyairtable/data/v1/record_service_pb";

const api = createPyAirtable({ baseUrl: process.env.URL, token: process.env.TOKEN, transport: process.argv[2] });
const { workspace } = await api.workspaces.createWorkspace({ name: "packed " + process.argv[2] });
const { base } = await api.bases.createBase({ workspaceId: workspace.id, name: "B" });
const { table } = await api.tables.createTable({ baseId: base.id, name: "T", fields: [{ name: "Name", type: FieldType.SINGLE_LINE_TEXT }] });
await createAllRecords(api.records, { tableId: table.id, records: ["a", "b", "c"].map((Name) => ({ fields: toCells({ Name }) })) });
const names = [];
for await (const r of listAllRecords(api.records, { tableId: table.id, pageSize: 2 })) names.push(fromCells(r.fields).Name);
let reason;
try { await api.workspaces.createWorkspace({ name: "" }); } catch (err) { reason = errorReason(err); }
console.log(JSON.stringify({ names, reason, service: RecordService.typeName }));
`;

const typed = `
import { createPyAirtable, listAllRecords, retryDelayMs, type PyAirtableOptions } from "@pyairtable/sdk";

const options: PyAirtableOptions = { baseUrl: "http://127.0.0.1:1", transport: "connect", retry: { maxAttempts: 2 } };
const api = createPyAirtable(options);
export async function names(tableId: string): Promise<string[]> {
  const out: string[] = [];
  for await (const r of listAllRecords(api.records, { tableId })) out.push(r.id);
  return out;
}
export const delay: number | undefined = retryDelayMs(new Error("x"));
`;

it("the packed package installs from its tarball and works from plain ESM and TypeScript", async () => {
  dir = await mkdtemp(join(tmpdir(), "pyairtable-pack-"));
  const { stdout: packed } = await run("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: sdkDir, maxBuffer: 16 << 20 });
  const tgz = (await readdir(dir)).find((f) => f.endsWith(".tgz"));
  expect(tgz, `npm pack printed ${packed}`).toMatch(/^pyairtable-sdk-.*\.tgz$/);

  const app = join(dir, "app");
  await run("mkdir", ["-p", app]);
  await writeFile(join(app, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  await run("npm", ["install", "--no-audit", "--no-fund", "--silent", join(dir, tgz ?? "")], { cwd: app, maxBuffer: 16 << 20 });
  const installed = await readdir(join(app, "node_modules", "@pyairtable", "sdk"));
  expect(installed).toEqual(expect.arrayContaining(["dist", "package.json"]));
  expect(installed).not.toContain("test");
  expect(installed).not.toContain("node_modules");

  await writeFile(join(app, "smoke.mjs"), script);
  for (const transport of ["grpc-web", "connect"]) {
    const { stdout } = await run("node", ["smoke.mjs", transport], {
      cwd: app,
      env: { ...process.env, URL: inject("serverUrl"), TOKEN: inject("serverToken") },
    });
    expect(JSON.parse(stdout)).toEqual({ names: ["a", "b", "c"], reason: "INVALID_ARGUMENT", service: "pyairtable.data.v1.RecordService" });
  }

  // The published types serve a strict NodeNext project, which also
  // compiles the README's TypeScript example; the example then runs.
  await writeFile(join(app, "check.ts"), typed);
  await writeFile(join(app, "readme.ts"), await readmeExample());
  await writeFile(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        module: "NodeNext",
        moduleResolution: "NodeNext",
        target: "ES2022",
        strict: true,
        noUncheckedIndexedAccess: true,
        outDir: "out",
        lib: ["ES2022", "DOM"],
        typeRoots: [join(sdkDir, "node_modules", "@types")],
        types: ["node"],
      },
      files: ["check.ts", "readme.ts"],
    }),
  );
  await run(process.execPath, [join(sdkDir, "node_modules", "typescript", "bin", "tsc"), "-p", app], { cwd: app }).catch((err: { stdout?: string }) => {
    throw new Error(`tsc in the consumer project failed:\n${err.stdout ?? String(err)}`);
  });
  const { stdout } = await run("node", [join("out", "readme.js")], {
    cwd: app,
    env: { ...process.env, PYAIRTABLE_URL: inject("serverUrl"), PYAIRTABLE_TOKEN: inject("serverToken") },
  });
  expect(stdout.trim().split("\n")).toEqual(["1000/2500", "2000/2500", "2500/2500", "25", 'INVALID_CELL_VALUE records[0].fields["Score"]']);
}, 240_000);

/** The first TypeScript example of the README's TypeScript section. */
async function readmeExample(): Promise<string> {
  const readme = await readFile(join(sdkDir, "..", "..", "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## From TypeScript"));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (m?.[1] === undefined) {
    throw new Error("README.md has no ```ts example under \"From TypeScript\"");
  }
  return m[1];
}
