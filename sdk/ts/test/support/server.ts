// Starts real PyAirtable servers for the tests: the Go binary built from
// this repository, each on a fresh SQLite database in a temporary folder,
// listening on a port the system picks.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");

/** A running server and a token of its first user (an administrator). */
export interface TestServer {
  /** Such as `http://127.0.0.1:41234`. */
  url: string;
  /** A personal access token with every scope. */
  token: string;
  /** Stops the server and removes its database. */
  stop(): Promise<void>;
}

/**
 * Returns the path of the server binary: PYAIRTABLE_BIN when set (CI builds
 * it once with `make build`), else one built now with `go build` into dir.
 */
export async function serverBinary(dir: string): Promise<string> {
  const given = process.env["PYAIRTABLE_BIN"];
  if (given !== undefined && given !== "") {
    return resolve(repoRoot, given);
  }
  const bin = join(dir, "pyairtable");
  try {
    await run("go", ["build", "-o", bin, "./server/cmd/pyairtable"], { cwd: repoRoot, maxBuffer: 16 << 20 });
  } catch (err) {
    throw new Error(`go build of the server failed (Go 1.26 is needed to run these tests): ${String((err as { stderr?: string }).stderr ?? err)}`);
  }
  return bin;
}

/**
 * Starts a server from bin with the given PYAIRTABLE_* settings on top of
 * the defaults here (rate limits off), creates its first user and token,
 * and resolves once it listens.
 */
export async function startServer(bin: string, settings: Record<string, string> = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), "pyairtable-ts-"));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith("PYAIRTABLE_")) {
      env[k] = v;
    }
  }
  Object.assign(env, {
    PYAIRTABLE_DATABASE_URL: `sqlite:${join(dir, "pyairtable.db")}`,
    PYAIRTABLE_ADDR: "127.0.0.1:0",
    PYAIRTABLE_LOG_FORMAT: "json",
    PYAIRTABLE_LOG_LEVEL: "warn",
    PYAIRTABLE_SECRET_KEY: "a test secret key that is long enough to sign with",
    PYAIRTABLE_RATE_LIMIT: "0",
    PYAIRTABLE_ANONYMOUS_RATE_LIMIT: "0",
    ...settings,
  });
  const { stdout } = await run(bin, ["token", "create", "--email", "sdk@example.com"], { env });
  const token = stdout.trim();
  if (!/^pat[A-Za-z0-9]{14}\./.test(token)) {
    throw new Error(`token create printed ${JSON.stringify(stdout)}; want a token`);
  }
  // The listening line is logged at info: keep it, drop the rest below warn.
  const child = spawn(bin, ["serve"], { env: { ...env, PYAIRTABLE_LOG_LEVEL: "info" }, stdio: ["ignore", "ignore", "pipe"] });
  const url = await listening(child);
  return {
    url,
    token,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves with the server's URL once it logs that it listens. */
function listening(child: ChildProcess): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    const seen: string[] = [];
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the server did not listen within 60 s; it logged:\n${seen.join("\n")}`));
    }, 60_000);
    const lines = createInterface({ input: child.stderr! });
    lines.on("line", (line) => {
      if (seen.length < 200) {
        seen.push(line);
      }
      try {
        const entry = JSON.parse(line) as { msg?: string; addr?: string };
        if (entry.msg === "pyairtable listening" && entry.addr !== undefined) {
          clearTimeout(timer);
          resolveUrl(`http://${entry.addr}`);
        }
      } catch {
        // Not a log line of ours.
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with ${code} before listening; it logged:\n${seen.join("\n")}`));
    });
  });
}
