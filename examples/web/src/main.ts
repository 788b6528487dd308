// A small PyAirtable front end on the TypeScript SDK over gRPC-Web: sign in
// with a personal access token (or a session cookie from "Sign in with
// SSO"), pick a workspace, base and table, and see, add, edit, filter and
// sort its records. Plain DOM, no framework.
import {
  Code,
  ConnectError,
  createPyAirtable,
  errorReason,
  FieldType,
  fieldViolations,
  fromCells,
  Operator,
  paginate,
  SortDirection,
  toCells,
  type Field,
  type PyAirtable,
  type Record as PyRecord,
  type Table,
} from "@pyairtable/sdk";

/** Returns the element with the id, typed as asked; throws when missing. */
function $<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) {
    throw new Error(`#${id} is missing from the page`);
  }
  return el as T;
}

const serverInput = $<HTMLInputElement>("server-url");
const tokenInput = $<HTMLInputElement>("token");
const who = $<HTMLSpanElement>("who");
const statusLine = $<HTMLParagraphElement>("status");
const workspaceSelect = $<HTMLSelectElement>("workspace");
const baseSelect = $<HTMLSelectElement>("base");
const tableSelect = $<HTMLSelectElement>("table");
const grid = $<HTMLTableElement>("grid");
const more = $<HTMLButtonElement>("more");
const filterField = $<HTMLSelectElement>("filter-field");
const filterOp = $<HTMLSelectElement>("filter-op");
const filterValue = $<HTMLInputElement>("filter-value");
const sortField = $<HTMLSelectElement>("sort-field");
const sortDir = $<HTMLSelectElement>("sort-dir");

/** The signed-in client, once there is one. */
let api: PyAirtable | undefined;
/** The open table, with its fields. */
let table: Table | undefined;
/** The token of the current page of records, for "Load more". */
let nextPageToken = "";

// The server defaults to ?server=…, then the last one used, then the
// address the page was built for, then a local server.
const params = new URLSearchParams(location.search);
serverInput.value =
  params.get("server") ?? sessionStorage.getItem("pyairtable.server") ?? import.meta.env["VITE_PYAIRTABLE_URL"] ?? "http://localhost:8080";
tokenInput.value = sessionStorage.getItem("pyairtable.token") ?? "";

/** Shows a message, or an error with its reason and field violations. */
function status(message: string, err?: unknown): void {
  statusLine.classList.toggle("error", err !== undefined);
  if (err === undefined) {
    statusLine.textContent = message;
    return;
  }
  let text = `${message}: ${err instanceof Error ? err.message : String(err)}`;
  const reason = errorReason(err);
  if (reason !== undefined) {
    text += ` (${reason})`;
  }
  for (const v of fieldViolations(err)) {
    text += `; ${v.field}: ${v.message}`;
  }
  statusLine.textContent = text;
}

/** Runs an action, reporting its failure in the status line. */
function guarded(what: string, action: () => Promise<void>): () => void {
  return () => {
    action().catch((err: unknown) => status(`Could not ${what}`, err));
  };
}

// Sign in with the SSO flow: the server's /auth/login sends the browser to
// the identity provider and back here, with a session cookie. The SDK
// then sends that cookie (credentials: "include") when no token is given.
$<HTMLAnchorElement>("sso").addEventListener("click", (ev) => {
  ev.preventDefault();
  const back = new URL(location.href);
  back.searchParams.set("server", serverInput.value);
  back.searchParams.set("session", "1");
  location.href = `${serverInput.value.replace(/\/$/, "")}/auth/login?return_to=${encodeURIComponent(back.toString())}`;
});

$<HTMLFormElement>("sign-in-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  guarded("sign in", () => signIn(tokenInput.value.trim()))();
});
$<HTMLButtonElement>("use-session").addEventListener("click", guarded("sign in with the session", () => signIn("")));
$<HTMLButtonElement>("sign-out").addEventListener("click", () => {
  sessionStorage.removeItem("pyairtable.token");
  location.search = "";
});

/** Signs in with a token, or with the session cookie when token is empty. */
async function signIn(token: string): Promise<void> {
  const baseUrl = serverInput.value.replace(/\/$/, "");
  const client = createPyAirtable({ baseUrl, transport: "grpc-web", ...(token !== "" ? { token } : {}) });
  let email: string;
  try {
    const { user } = await client.users.getCurrentUser({});
    email = user?.email ?? "";
  } catch (err) {
    if (err instanceof ConnectError && err.code === Code.Unauthenticated) {
      status(token === "" ? "No session: sign in with SSO or a token" : "The server does not accept this token", err);
      return;
    }
    throw err;
  }
  api = client;
  sessionStorage.setItem("pyairtable.server", baseUrl);
  if (token !== "") {
    sessionStorage.setItem("pyairtable.token", token);
  }
  who.textContent = `Signed in as ${email}`;
  $("sign-in-panel").hidden = true;
  $("sign-out").hidden = false;
  $("app").hidden = false;
  status("");
  await loadWorkspaces();
}

/** Fills a select with options and keeps the chosen value if still there. */
function fill(select: HTMLSelectElement, items: { id: string; name: string }[], placeholder: string): void {
  const keep = select.value;
  select.replaceChildren(new Option(placeholder, ""), ...items.map((i) => new Option(i.name, i.id)));
  if (items.some((i) => i.id === keep)) {
    select.value = keep;
  }
}

async function loadWorkspaces(): Promise<void> {
  const items: { id: string; name: string }[] = [];
  for await (const page of paginate(need().workspaces.listWorkspaces, { pageSize: 100 })) {
    items.push(...page.workspaces);
  }
  fill(workspaceSelect, items, "Choose a workspace");
  fill(baseSelect, [], "—");
  fill(tableSelect, [], "—");
}

workspaceSelect.addEventListener(
  "change",
  guarded("list bases", async () => {
    const items: { id: string; name: string }[] = [];
    if (workspaceSelect.value !== "") {
      for await (const page of paginate(need().bases.listBases, { workspaceId: workspaceSelect.value, pageSize: 100 })) {
        items.push(...page.bases);
      }
    }
    fill(baseSelect, items, "Choose a base");
    fill(tableSelect, [], "—");
  }),
);

baseSelect.addEventListener(
  "change",
  guarded("list tables", async () => {
    const items: { id: string; name: string }[] = [];
    if (baseSelect.value !== "") {
      for await (const page of paginate(need().tables.listTables, { baseId: baseSelect.value, pageSize: 100 })) {
        items.push(...page.tables);
      }
    }
    fill(tableSelect, items, "Choose a table");
  }),
);

tableSelect.addEventListener(
  "change",
  guarded("open the table", async () => {
    table = undefined;
    if (tableSelect.value !== "") {
      const res = await need().tables.getTable({ tableId: tableSelect.value });
      table = res.table;
    }
    const fields = table?.fields ?? [];
    fill(filterField, fields, "(none)");
    fill(sortField, fields, "(creation order)");
    await loadRecords(false);
  }),
);

$<HTMLFormElement>("query").addEventListener("submit", (ev) => {
  ev.preventDefault();
  guarded("load the records", () => loadRecords(false))();
});
more.addEventListener("click", guarded("load more records", () => loadRecords(true)));

function need(): PyAirtable {
  if (api === undefined) {
    throw new Error("not signed in");
  }
  return api;
}

/** Fields a person can type into (computed ones are shown, not edited). */
function editable(f: Field): boolean {
  return !f.readOnly;
}

const numeric = new Set([FieldType.NUMBER, FieldType.CURRENCY, FieldType.PERCENT, FieldType.RATING, FieldType.DURATION, FieldType.AUTO_NUMBER]);

/** The filter operand for text typed into the filter box. */
function operand(f: Field, text: string): string | number | boolean {
  if (numeric.has(f.type) && text.trim() !== "" && !Number.isNaN(Number(text))) {
    return Number(text);
  }
  if (f.type === FieldType.CHECKBOX) {
    return text === "true" || text === "yes" || text === "1";
  }
  return text;
}

/** A ListRecords request, as the client takes it. */
type ListRequest = Parameters<PyAirtable["records"]["listRecords"]>[0];

/** The ListRecords request the filter and sort controls describe. */
function query(t: Table): ListRequest {
  const req: ListRequest = { tableId: t.id, pageSize: 100 };
  const ff = t.fields.find((f) => f.id === filterField.value);
  if (ff !== undefined) {
    const op = filterOp.value;
    const operator =
      op === "equal" ? Operator.EQUAL : op === "gt" ? Operator.GREATER_THAN : op === "lt" ? Operator.LESS_THAN : op === "empty" ? Operator.IS_EMPTY : Operator.CONTAINS;
    const value = toCells({ v: operand(ff, filterValue.value) })["v"];
    req.filter = {
      node: {
        case: "condition",
        value: {
          field: ff.id,
          operator,
          operand: operator === Operator.IS_EMPTY || value === undefined ? { case: undefined } : { case: "value", value },
        },
      },
    };
  }
  if (sortField.value !== "") {
    req.sorts = [
      {
        field: sortField.value,
        direction: sortDir.value === "desc" ? SortDirection.DESCENDING : SortDirection.ASCENDING,
      },
    ];
  }
  return req;
}

/** Loads the first page of records (or the next, when append is set). */
async function loadRecords(append: boolean): Promise<void> {
  const head = grid.tHead ?? grid.createTHead();
  const body = grid.tBodies[0] ?? grid.createTBody();
  const foot = grid.tFoot ?? grid.createTFoot();
  if (table === undefined) {
    head.replaceChildren();
    body.replaceChildren();
    foot.replaceChildren();
    more.hidden = true;
    return;
  }
  const t = table;
  const page = await need().records.listRecords({ ...query(t), pageToken: append ? nextPageToken : "" });
  nextPageToken = page.nextPageToken;
  more.hidden = nextPageToken === "";
  if (!append) {
    const hr = document.createElement("tr");
    hr.append(th("id"), ...t.fields.map((f) => th(f.name)));
    head.replaceChildren(hr);
    body.replaceChildren();
    foot.replaceChildren(newRow(t));
  }
  body.append(...page.records.map((r) => recordRow(t, r)));
  status(`${body.rows.length} record${body.rows.length === 1 ? "" : "s"} shown`);
}

function th(text: string): HTMLTableCellElement {
  const el = document.createElement("th");
  el.textContent = text;
  return el;
}

/** A cell's value as text in an input. */
function show(v: unknown): string {
  if (v === null || v === undefined) {
    return "";
  }
  if (Array.isArray(v)) {
    return v.map(show).join(", ");
  }
  if (typeof v === "object") {
    return JSON.stringify(v);
  }
  return String(v);
}

/** A row of the grid: one input per field; a change saves that cell. */
function recordRow(t: Table, record: PyRecord): HTMLTableRowElement {
  const tr = document.createElement("tr");
  tr.dataset["id"] = record.id;
  let etag = record.etag;
  const idCell = document.createElement("td");
  idCell.className = "id";
  idCell.textContent = record.id;
  tr.append(idCell);
  const values = fromCells(record.fields);
  for (const f of t.fields) {
    const td = document.createElement("td");
    const input = document.createElement("input");
    input.name = f.name;
    input.value = show(values[f.name] ?? values[f.id]);
    input.readOnly = !editable(f);
    input.setAttribute("aria-label", `${f.name} of ${record.id}`);
    input.addEventListener(
      "change",
      guarded(`save ${f.name}`, async () => {
        const text = input.value;
        const res = await need().records.updateRecords({
          tableId: t.id,
          typecast: true,
          records: [{ id: record.id, etag, fields: toCells({ [f.id]: text === "" ? null : text }) }],
        });
        const saved = res.records[0];
        if (saved !== undefined) {
          etag = saved.etag;
          input.value = show(fromCells(saved.fields)[f.name]);
        }
        tr.classList.add("saved");
        status(`Saved ${f.name} of ${record.id}`);
      }),
    );
    td.append(input);
    tr.append(td);
  }
  return tr;
}

/** The row under the grid for a new record, with its "Add" button. */
function newRow(t: Table): HTMLTableRowElement {
  const tr = document.createElement("tr");
  const add = document.createElement("button");
  add.id = "add";
  add.type = "button";
  add.textContent = "Add";
  const cell = document.createElement("td");
  cell.append(add);
  tr.append(cell);
  const inputs: [Field, HTMLInputElement][] = [];
  for (const f of t.fields) {
    const td = document.createElement("td");
    const input = document.createElement("input");
    input.id = `new-${f.name}`;
    input.placeholder = f.name;
    input.disabled = !editable(f);
    inputs.push([f, input]);
    td.append(input);
    tr.append(td);
  }
  add.addEventListener(
    "click",
    guarded("add the record", async () => {
      const values: { [field: string]: string } = {};
      for (const [f, input] of inputs) {
        if (editable(f) && input.value !== "") {
          values[f.id] = input.value;
        }
      }
      // typecast: the server reads "7" into a number field, "yes" into a
      // checkbox, as a person would type them.
      const res = await need().records.createRecords({ tableId: t.id, typecast: true, records: [{ fields: toCells(values) }] });
      const created = res.records[0];
      if (created !== undefined) {
        grid.tBodies[0]?.append(recordRow(t, created));
      }
      for (const [, input] of inputs) {
        input.value = "";
      }
      status(`Added ${created?.id ?? "a record"}`);
    }),
  );
  return tr;
}

// Back from "Sign in with SSO", or reloaded with a token: sign in at once.
if (params.get("session") === "1") {
  guarded("sign in with the session", () => signIn(""))();
} else if (tokenInput.value !== "") {
  guarded("sign in", () => signIn(tokenInput.value))();
}
