// Drives the built page in headless Chromium against a real server: sign in
// with a token, open a table, add, edit, filter and sort records through
// the page, and check the writes through the API with the SDK in Node.
import { execFile } from "node:child_process";
import { access, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { createPyAirtable, FieldType, fromCells, listAllRecords, Role, toCells, type PyAirtable } from "@pyairtable/sdk";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";

import { serverBinary, startServer, type TestServer } from "../../../sdk/ts/test/support/server.js";
import { startIssuer, type Issuer } from "./issuer.js";

const run = promisify(execFile);
const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const chromiumPath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

let tmp = "";
let site: Server | undefined;
let origin = "";
let server: TestServer | undefined;
let browser: BrowserContext | undefined;
let issuer: Issuer | undefined;
let api: PyAirtable;
let tableId = "";

/** Serves dist/ (the built page) on a free port. */
async function serveDist(): Promise<Server> {
  const root = join(webDir, "dist");
  const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };
  const s = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    const file = join(root, path.endsWith("/") ? "index.html" : path);
    readFile(file).then(
      (data) => {
        res.writeHead(200, { "Content-Type": types[extname(file)] ?? "application/octet-stream" });
        res.end(data);
      },
      () => {
        res.writeHead(404);
        res.end("not found");
      },
    );
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return s;
}

beforeAll(async () => {
  await access(chromiumPath).catch(() => {
    throw new Error(`no Chromium at ${chromiumPath}: install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH`);
  });
  tmp = await mkdtemp(join(tmpdir(), "pyairtable-web-"));
  await mkdir(join(webDir, "artifacts"), { recursive: true });
  // Build the page (and the SDK it imports) as a user would.
  await run("npm", ["run", "build"], { cwd: webDir, maxBuffer: 16 << 20 }).catch((err: { stdout?: string; stderr?: string }) => {
    throw new Error(`npm run build failed:\n${err.stdout ?? ""}\n${err.stderr ?? ""}`);
  });
  site = await serveDist();
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  // The server lets the page's origin call it, and signs people in at the
  // test's own OpenID Connect issuer.
  issuer = await startIssuer({ sub: "ada-1", email: "ada@example.com", name: "Ada" }, () => `${server?.url ?? ""}/auth/callback`);
  server = await startServer(await serverBinary(tmp), {
    PYAIRTABLE_CORS_ORIGINS: origin,
    PYAIRTABLE_OIDC_ISSUER: issuer.url,
    PYAIRTABLE_OIDC_CLIENT_ID: issuer.clientId,
    PYAIRTABLE_OIDC_CLIENT_SECRET: issuer.clientSecret,
    PYAIRTABLE_OIDC_REDIRECT_URL: "http://pyairtable.test/auth/callback",
  });

  api = createPyAirtable({ baseUrl: server.url, token: server.token, transport: "connect" });
  const { workspace } = await api.workspaces.createWorkspace({ name: "Web test" });
  const { base } = await api.bases.createBase({ workspaceId: workspace?.id ?? "", name: "Office" });
  const { table } = await api.tables.createTable({
    baseId: base?.id ?? "",
    name: "Tasks",
    fields: [
      { name: "Name", type: FieldType.SINGLE_LINE_TEXT },
      { name: "Priority", type: FieldType.NUMBER },
    ],
  });
  tableId = table?.id ?? "";
  // Ada signs in with SSO later; her invitation is linked on the first sign-in.
  await api.workspaces.addMember({ workspaceId: workspace?.id ?? "", email: "ada@example.com", role: Role.EDITOR });
  await api.records.createRecords({
    tableId,
    records: [
      { fields: toCells({ Name: "Write report", Priority: 5 }) },
      { fields: toCells({ Name: "Water plants", Priority: 2 }) },
      { fields: toCells({ Name: "Book train", Priority: 4 }) },
    ],
  });

  browser = await chromium.launchPersistentContext(join(tmp, "profile"), {
    executablePath: chromiumPath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await issuer?.close();
  await new Promise((r) => (site ? site.close(r) : r(undefined)));
  if (tmp !== "") {
    await rm(tmp, { recursive: true, force: true });
  }
});

/** The Name cells of the grid, top to bottom. */
function names(page: Page): Promise<string[]> {
  return page.locator('#grid tbody input[name="Name"]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
}

/** Waits until the grid shows exactly these names, in this order. */
async function waitForNames(page: Page, want: string[]): Promise<void> {
  await page.waitForFunction(
    (w) => JSON.stringify([...document.querySelectorAll<HTMLInputElement>('#grid tbody input[name="Name"]')].map((e) => e.value)) === JSON.stringify(w),
    want,
    { timeout: 15_000 },
  ).catch(async () => {
    throw new Error(`the grid shows ${JSON.stringify(await names(page))}; want ${JSON.stringify(want)}. Status: ${await page.textContent("#status")}`);
  });
}

/** Selects the option with this label once the select has it. */
async function choose(page: Page, select: string, label: string): Promise<void> {
  await page.waitForSelector(`${select} option:text-is("${label}")`, { state: "attached", timeout: 15_000 });
  await page.selectOption(select, { label });
}

it("signs in with a token, shows a table, adds and edits records, filters and sorts", async () => {
  const page = await browser!.newPage();
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") {
      problems.push(`console: ${msg.text()}`);
    }
  });

  await page.goto(`${origin}/?server=${encodeURIComponent(server!.url)}`);
  await page.fill("#token", server!.token);
  await page.click("#sign-in");
  await page.waitForSelector("#who:has-text('Signed in as sdk@example.com')", { timeout: 15_000 });

  await choose(page, "#workspace", "Web test");
  await choose(page, "#base", "Office");
  await choose(page, "#table", "Tasks");
  await waitForNames(page, ["Write report", "Water plants", "Book train"]);

  // Add a record through the page; the server reads "7" into the number.
  await page.fill("#new-Name", "Written in the browser");
  await page.fill("#new-Priority", "7");
  await page.click("#add");
  await waitForNames(page, ["Write report", "Water plants", "Book train", "Written in the browser"]);

  // Edit a cell: the change is saved when the input loses focus.
  const water = page.locator('#grid tbody tr:nth-child(2) input[name="Name"]');
  await water.fill("Water the plants");
  await water.press("Tab");
  await page.waitForSelector("#status:has-text('Saved Name')", { timeout: 15_000 });

  // Both writes are there when read through the API.
  const stored: Record<string, unknown>[] = [];
  for await (const r of listAllRecords(api.records, { tableId })) {
    stored.push(fromCells(r.fields));
  }
  expect(stored).toEqual([
    { Name: "Write report", Priority: 5 },
    { Name: "Water the plants", Priority: 2 },
    { Name: "Book train", Priority: 4 },
    { Name: "Written in the browser", Priority: 7 },
  ]);

  // Filter Priority > 3, sorted by Priority, largest first.
  await page.selectOption("#filter-field", { label: "Priority" });
  await page.selectOption("#filter-op", "gt");
  await page.fill("#filter-value", "3");
  await page.selectOption("#sort-field", { label: "Priority" });
  await page.selectOption("#sort-dir", "desc");
  await page.click("#apply");
  await waitForNames(page, ["Written in the browser", "Write report", "Book train"]);

  await page.screenshot({ path: join(webDir, "artifacts", "screenshot.png"), fullPage: true });
  expect(problems).toEqual([]);
});

it("signs in with SSO: the server's session cookie authenticates the page's calls", async () => {
  const page = await browser!.newPage();
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));

  await page.goto(`${origin}/?server=${encodeURIComponent(server!.url)}`);
  // No session yet: the page says so.
  await page.click("#use-session");
  await page.waitForSelector("#status:has-text('No session')", { timeout: 15_000 });

  // The link goes to the server's /auth/login, through the issuer, and back.
  await page.click("#sso");
  await page.waitForSelector("#who:has-text('Signed in as ada@example.com')", { timeout: 30_000 });
  expect(issuer!.issued()).toBe(1);
  const cookies = await browser!.cookies(server!.url);
  expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toContainEqual(["pyairtable_session", true, "Lax"]);

  await choose(page, "#workspace", "Web test");
  await choose(page, "#base", "Office");
  await choose(page, "#table", "Tasks");
  await page.waitForSelector('#grid tbody input[name="Name"]', { timeout: 15_000 });
  await page.fill("#new-Name", "Added with a session");
  await page.click("#add");
  await page.waitForSelector("#status:has-text('Added rec')", { timeout: 15_000 });

  const found: string[] = [];
  for await (const r of listAllRecords(api.records, { tableId, search: "with a session" })) {
    found.push(String(fromCells(r.fields)["Name"]));
  }
  expect(found).toEqual(["Added with a session"]);
  await page.screenshot({ path: join(webDir, "artifacts", "sso.png"), fullPage: true });
  expect(problems).toEqual([]);
});
