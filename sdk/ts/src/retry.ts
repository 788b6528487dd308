import { ScalarType, type DescMessage } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

import { retryDelayMs } from "./errors.js";

/**
 * How failed calls are retried. Every setting has a default; pass `false` as
 * {@link PyAirtableOptions.retry} to turn retries off altogether.
 */
export interface RetryOptions {
  /**
   * How many times a call is sent at most, the first attempt included.
   * Default 4; 1 turns retries off (writes still get a request id).
   */
  maxAttempts?: number | undefined;
  /**
   * The backoff base in milliseconds: before attempt n+1 the client waits a
   * random time between 0 and `min(maxDelayMs, baseDelayMs * 2^(n-1))`
   * ("full jitter"). Default 100.
   */
  baseDelayMs?: number | undefined;
  /** The longest backoff in milliseconds. Default 5000. */
  maxDelayMs?: number | undefined;
  /**
   * The longest wait the client accepts when the server names one
   * (RetryInfo or `Retry-After`, as rate limits do). A longer one ends
   * the retries with the server's error. Default 30000.
   */
  maxServerDelayMs?: number | undefined;
  /**
   * Called before each retry with the attempt about to be made (2 for the
   * first retry), the error that caused it and the wait in milliseconds.
   * For logs and tests.
   */
  onRetry?: ((event: RetryEvent) => void) | undefined;
}

/** What {@link RetryOptions.onRetry} is told before a retry. */
export interface RetryEvent {
  /** The procedure, such as `/pyairtable.data.v1.RecordService/CreateRecords`. */
  procedure: string;
  /** The attempt about to be made: 2 for the first retry. */
  attempt: number;
  /** Why the previous attempt failed. */
  error: unknown;
  /** How long the client waits before the attempt, in milliseconds. */
  delayMs: number;
}

/**
 * Returns the local name of the message's request id field (`requestId`)
 * when it has one: a string field named `request_id`. Mutating requests
 * have one; reads do not.
 */
export function requestIdField(schema: DescMessage): string | undefined {
  const f = schema.fields.find((f) => f.name === "request_id");
  if (f === undefined || f.fieldKind !== "scalar" || f.scalar !== ScalarType.STRING) {
    return undefined;
  }
  return f.localName;
}

/**
 * Returns a new random request id: a version 4 UUID. Browsers offer
 * `crypto.randomUUID` only to secure pages (https, localhost); elsewhere
 * the UUID is made from `crypto.getRandomValues`, which every page has.
 */
export function newRequestId(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === "function") {
    return c.randomUUID();
  }
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Reports whether err looks like a failure to reach the server or to read
 * its whole answer (a dropped connection, a reset, a truncated body),
 * rather than an answer from the server. The server attaches an ErrorInfo
 * to every error it returns, so a ConnectError of code Unknown without any
 * detail did not come from it.
 */
export function isNetworkError(err: unknown): boolean {
  if (!(err instanceof ConnectError)) {
    return !(err instanceof Error && (err.name === "AbortError" || err.name === "TimeoutError"));
  }
  if (err.details.length > 0) {
    return false;
  }
  return err.code === Code.Unknown;
}

/**
 * Returns an interceptor that retries unary calls:
 *
 * - on `UNAVAILABLE` answers, waiting the delay the server names
 *   (RetryInfo, or the `Retry-After` header) when it names one, or else a
 *   backoff with full jitter;
 * - on `RESOURCE_EXHAUSTED` answers that name a delay (rate limits),
 *   waiting that delay. Those that name none (a request over the size
 *   limit, say) would fail the same way again and are not retried;
 * - on network errors (the connection failed or broke before the whole
 *   answer arrived), only for reads (`NO_SIDE_EFFECTS` or `IDEMPOTENT`
 *   methods) and for writes that carry a request id, since only those are
 *   safe to send twice.
 *
 * A write request (a message with a `requestId` field) whose request id is
 * empty gets a new one (a UUID) before the first attempt, so every attempt
 * carries the same id and the server applies the write at most once,
 * returning the first answer to a retry. The caller's message is not
 * changed.
 *
 * An aborted call (its AbortSignal, or its timeout) stops at once, also
 * while waiting between attempts. Streaming calls are passed through.
 */
export function retryInterceptor(options: RetryOptions = {}): Interceptor {
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 4));
  const baseDelayMs = options.baseDelayMs ?? 100;
  const maxDelayMs = options.maxDelayMs ?? 5000;
  const maxServerDelayMs = options.maxServerDelayMs ?? 30_000;
  return (next) => async (req) => {
    if (req.stream) {
      return next(req);
    }
    const idField = requestIdField(req.method.input);
    let idempotent =
      req.method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS || req.method.idempotency === MethodOptions_IdempotencyLevel.IDEMPOTENT;
    if (idField !== undefined) {
      const msg = req.message as unknown as Record<string, unknown>;
      if (msg[idField] === "" || msg[idField] === undefined) {
        req = { ...req, message: { ...req.message, [idField]: newRequestId() } };
      }
      idempotent = true;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await next(req);
      } catch (err) {
        if (req.signal.aborted || attempt >= maxAttempts) {
          throw err;
        }
        let delay: number;
        const serverDelay = retryDelayMs(err);
        const answered = err instanceof ConnectError && !isNetworkError(err);
        if (answered && (err.code === Code.Unavailable || (err.code === Code.ResourceExhausted && serverDelay !== undefined))) {
          if (serverDelay !== undefined && serverDelay > maxServerDelayMs) {
            throw err;
          }
          delay = serverDelay ?? backoff(attempt, baseDelayMs, maxDelayMs);
        } else if (idempotent && isNetworkError(err)) {
          delay = backoff(attempt, baseDelayMs, maxDelayMs);
        } else {
          throw err;
        }
        options.onRetry?.({ procedure: `/${req.service.typeName}/${req.method.name}`, attempt: attempt + 1, error: err, delayMs: delay });
        await sleep(delay, req.signal);
      }
    }
  };
}

/** The full-jitter wait before the retry that follows attempt n. */
function backoff(attempt: number, baseMs: number, capMs: number): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** (attempt - 1));
}

/** Waits ms milliseconds; rejects with the signal's reason when it aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(ConnectError.from(signal.reason, Code.Canceled));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(ConnectError.from(signal.reason, Code.Canceled));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
