// Builds the server once and starts the one the test files share.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { TestProject } from "vitest/node";

import { serverBinary, startServer } from "./server.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The shared server's URL. */
    serverUrl: string;
    /** A token of the shared server's administrator. */
    serverToken: string;
    /** The server binary, for tests that start a server of their own. */
    serverBin: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), "pyairtable-bin-"));
  const bin = await serverBinary(dir);
  const server = await startServer(bin);
  project.provide("serverUrl", server.url);
  project.provide("serverToken", server.token);
  project.provide("serverBin", bin);
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
