import { createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";

import { AuthService } from "./gen/pyairtable/auth/v1/auth_service_pb.js";
import { UserService } from "./gen/pyairtable/user/v1/user_service_pb.js";
import { WorkspaceService } from "./gen/pyairtable/workspace/v1/workspace_service_pb.js";
import { BaseService } from "./gen/pyairtable/table/v1/base_service_pb.js";
import { TableService } from "./gen/pyairtable/table/v1/table_service_pb.js";
import { ViewService } from "./gen/pyairtable/table/v1/view_service_pb.js";
import { OperationService } from "./gen/pyairtable/operation/v1/operation_service_pb.js";
import { RecordService } from "./gen/pyairtable/data/v1/record_service_pb.js";
import { retryInterceptor, type RetryOptions } from "./retry.js";

/**
 * The wire protocol a client speaks. Both work from browsers and from Node:
 *
 * - `"grpc-web"`: gRPC-Web with binary messages.
 * - `"connect"`: the Connect protocol with JSON messages, readable in a
 *   browser's network panel.
 */
export type Protocol = "grpc-web" | "connect";

/** Options of {@link createPyAirtable}. */
export interface PyAirtableOptions {
  /**
   * The server's base URL, such as `"https://pyairtable.example.com"` or
   * `"http://127.0.0.1:8080"`. Calls go to `<baseUrl>/<service>/<method>`.
   */
  baseUrl: string;
  /**
   * A personal access token (`pat….…`), sent as `Authorization: Bearer`.
   * Leave it out to call without credentials, for example from a browser
   * that signs in with a session cookie.
   */
  token?: string | undefined;
  /** The wire protocol; `"grpc-web"` when left out. */
  transport?: Protocol | undefined;
  /**
   * The fetch implementation to use. When left out: the global `fetch`,
   * and, when no `token` is given, with `credentials: "include"`, so that a
   * browser sends the server's session cookie (from "Sign in with SSO",
   * `GET /auth/login`) even when the page is on another origin (the server
   * must list that origin in `PYAIRTABLE_CORS_ORIGINS`). A fetch given
   * here is used as it is.
   */
  fetch?: typeof globalThis.fetch | undefined;
  /**
   * How failed calls are retried (see {@link retryInterceptor}): by default
   * up to 4 attempts, with backoff and full jitter, on `UNAVAILABLE`; on
   * rate limits (`RESOURCE_EXHAUSTED` naming a delay), after that delay;
   * and, for reads and for writes, which always carry a request id, on
   * network errors. `false` turns retries off; writes then still get a request id.
   */
  retry?: RetryOptions | false | undefined;
  /** Further interceptors, run inside the retries (once per attempt). */
  interceptors?: Interceptor[] | undefined;
}

/** Typed clients for every PyAirtable service, sharing one transport. */
export interface PyAirtable {
  /** pyairtable.user.v1.UserService: the current user and profiles. */
  readonly users: Client<typeof UserService>;
  /** pyairtable.auth.v1.AuthService: personal access tokens and sessions. */
  readonly auth: Client<typeof AuthService>;
  /** pyairtable.workspace.v1.WorkspaceService: workspaces and members. */
  readonly workspaces: Client<typeof WorkspaceService>;
  /** pyairtable.table.v1.BaseService: bases. */
  readonly bases: Client<typeof BaseService>;
  /** pyairtable.table.v1.TableService: tables, fields, indexes and schema versions. */
  readonly tables: Client<typeof TableService>;
  /** pyairtable.table.v1.ViewService: views. */
  readonly views: Client<typeof ViewService>;
  /** pyairtable.operation.v1.OperationService: durable operations. */
  readonly operations: Client<typeof OperationService>;
  /** pyairtable.data.v1.RecordService: records. */
  readonly records: Client<typeof RecordService>;
  /** The transport the clients use, for creating further clients. */
  readonly transport: Transport;
}

/**
 * Returns an interceptor that sends `Authorization: Bearer <token>` on every
 * call. An empty token sends nothing.
 */
export function bearerToken(token: string): Interceptor {
  return (next) => (req) => {
    if (token !== "") {
      req.header.set("Authorization", `Bearer ${token}`);
    }
    return next(req);
  };
}

/**
 * The global fetch with `credentials: "include"`: cookies go with every
 * call, also to another origin that allows it. Looked up on each call, so
 * a fetch installed later (or stubbed by a test) is used.
 */
export const withCredentials: typeof globalThis.fetch = (input, init) =>
  globalThis.fetch(input, { ...init, credentials: "include" });

/**
 * Creates clients for a PyAirtable server.
 *
 * ```ts
 * const api = createPyAirtable({ baseUrl: "http://127.0.0.1:8080", token });
 * const { user } = await api.users.getCurrentUser({});
 * ```
 *
 * Calls are retried as {@link PyAirtableOptions.retry} says. Failed calls
 * reject with a `ConnectError`; read its reason with {@link errorReason},
 * its field violations with {@link fieldViolations} and the delay a rate
 * limit asks for with {@link retryDelayMs}.
 */
export function createPyAirtable(options: PyAirtableOptions): PyAirtable {
  const protocol = options.transport ?? "grpc-web";
  const interceptors: Interceptor[] = [retryInterceptor(options.retry === false ? { maxAttempts: 1 } : options.retry)];
  if (options.token !== undefined) {
    interceptors.push(bearerToken(options.token));
  }
  interceptors.push(...(options.interceptors ?? []));
  let fetch = options.fetch;
  if (fetch === undefined && (options.token === undefined || options.token === "")) {
    fetch = withCredentials;
  }
  const common = {
    baseUrl: options.baseUrl,
    interceptors,
    ...(fetch !== undefined ? { fetch } : {}),
  };
  let transport: Transport;
  switch (protocol) {
    case "grpc-web":
      transport = createGrpcWebTransport(common);
      break;
    case "connect":
      transport = createConnectTransport(common);
      break;
    default:
      throw new TypeError(`unknown transport ${JSON.stringify(protocol satisfies never)}: want "grpc-web" or "connect"`);
  }
  return {
    users: createClient(UserService, transport),
    auth: createClient(AuthService, transport),
    workspaces: createClient(WorkspaceService, transport),
    bases: createClient(BaseService, transport),
    tables: createClient(TableService, transport),
    views: createClient(ViewService, transport),
    operations: createClient(OperationService, transport),
    records: createClient(RecordService, transport),
    transport,
  };
}
