// An HTTP proxy between a client and a real server that can drop a call's
// connection before or after the server has it, to test retries.
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** What the proxy does with a call. */
export type Fault =
  /** Close the client's connection without sending the call on. */
  | "drop-request"
  /** Send the call on, read the server's whole answer, then close the client's connection instead of answering. */
  | "drop-response"
  | undefined;

/** A call that went through the proxy. */
export interface ProxiedCall {
  /** Such as `/pyairtable.data.v1.RecordService/CreateRecords`. */
  path: string;
  /** The request's content type. */
  contentType: string;
  /** The request body. */
  body: Buffer;
  /** What the proxy did. */
  fault: Fault;
  /** The server's answer (status and body), when the call reached it. */
  response?: { status: number; body: Buffer };
}

/** A running proxy. */
export interface Proxy {
  /** The proxy's URL: give it to the client instead of the server's. */
  url: string;
  /** Every call so far, in order of arrival. */
  calls: ProxiedCall[];
  /** Stops the proxy. */
  close(): Promise<void>;
}

/**
 * Starts a proxy to target. fault is asked, for each call, what to do with
 * it, given its path and how many calls of that path came before.
 */
export async function startProxy(target: string, fault: (path: string, earlier: number) => Fault): Promise<Proxy> {
  const calls: ProxiedCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "";
      const earlier = calls.filter((c) => c.path === path).length;
      const call: ProxiedCall = { path, contentType: req.headers["content-type"] ?? "", body: Buffer.concat(chunks), fault: fault(path, earlier) };
      calls.push(call);
      if (call.fault === "drop-request") {
        req.socket.destroy();
        return;
      }
      const headers: IncomingHttpHeaders = { ...req.headers, host: new URL(target).host, "accept-encoding": "identity" };
      delete headers["connection"];
      const up = httpRequest(new URL(path, target), { method: req.method ?? "POST", headers }, (upRes) => {
        const body: Buffer[] = [];
        upRes.on("data", (c: Buffer) => body.push(c));
        upRes.on("end", () => {
          call.response = { status: upRes.statusCode ?? 0, body: Buffer.concat(body) };
          if (call.fault === "drop-response") {
            req.socket.destroy();
            return;
          }
          const out: IncomingHttpHeaders = { ...upRes.headers };
          delete out["transfer-encoding"];
          delete out["connection"];
          out["content-length"] = String(call.response.body.length);
          res.writeHead(call.response.status, out);
          res.end(call.response.body);
        });
      });
      up.on("error", () => req.socket.destroy());
      up.end(call.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
