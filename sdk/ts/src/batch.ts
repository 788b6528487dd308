import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { CallOptions, Client, ConnectError } from "@connectrpc/connect";

import { connectErrorOf } from "./errors.js";
import type { Record as PyRecord } from "./gen/pyairtable/data/v1/record_pb.js";
import {
  CreateRecordsResponseSchema,
  DeleteRecordsResponseSchema,
  UpdateRecordsResponseSchema,
  CreateRecordsRequestSchema,
  type CreateRecordsResponse,
  DeleteRecordsRequestSchema,
  type DeleteRecordsResponse,
  type RecordService,
  UpdateRecordsRequestSchema,
  type UpdateRecordsResponse,
} from "./gen/pyairtable/data/v1/record_service_pb.js";

/** The most records one CreateRecords, UpdateRecords or DeleteRecords call takes. */
export const MAX_RECORDS_PER_CALL = 1000;

/** What {@link BatchOptions.onProgress} is told after each call. */
export interface BatchProgress {
  /** Records written so far, by this and earlier calls. */
  done: number;
  /** Records in the whole batch. */
  total: number;
  /** Calls made so far, this one included. */
  calls: number;
}

/** Options of the batch helpers: call options plus progress and chunk size. */
export interface BatchOptions extends CallOptions {
  /** Called after each successful call, in order. */
  onProgress?: ((progress: BatchProgress) => void) | undefined;
  /**
   * Records per call, 1 to {@link MAX_RECORDS_PER_CALL} (the default):
   * each call is one atomic write.
   */
  chunkSize?: number | undefined;
}

/**
 * A batch helper stopped because one of its calls failed. The calls before
 * it were applied (each call is atomic; the batch as a whole is not); the
 * failed call wrote nothing.
 *
 * `cause` is the failed call's ConnectError, so {@link errorReason},
 * {@link fieldViolations} and {@link retryDelayMs} read it through this
 * error too. Violation paths count from the failed call's first record:
 * `records[3]` is record `offset + 3` of the batch.
 */
export class BatchError<Done> extends Error {
  /** The index, in the whole batch, of the failed call's first record. */
  readonly offset: number;
  /** What the calls before the failed one returned, merged. */
  readonly done: Done;
  /** The failed call's error. */
  declare readonly cause: ConnectError | unknown;

  /** Wraps the error of the call that wrote records offset and on. */
  constructor(cause: unknown, offset: number, done: Done) {
    const ce = connectErrorOf(cause);
    super(`batch stopped at record ${offset} (records before it were written): ${ce?.message ?? String(cause)}`, { cause });
    this.name = "BatchError";
    this.offset = offset;
    this.done = done;
  }
}

type CreateAllRequest = MessageInitShape<typeof CreateRecordsRequestSchema>;
type UpdateAllRequest = MessageInitShape<typeof UpdateRecordsRequestSchema>;
type DeleteAllRequest = MessageInitShape<typeof DeleteRecordsRequestSchema>;

/**
 * Creates any number of records in calls of up to 1000, in order, and
 * returns every created record in the order given.
 *
 * **Each call is atomic, the whole is not**: when a call fails, the
 * records of earlier calls stay created and a {@link BatchError} says
 * where it stopped. A `requestId` on the request makes the whole batch
 * safe to run again with the same records and chunk size: call n sends
 * `<requestId>:<n>`, so calls already applied return their first answer
 * instead of writing twice (keep it at most 120 characters). Without one, each call gets its own random id
 * from the client's retries.
 */
export async function createAllRecords(
  records: Client<typeof RecordService>,
  request: CreateAllRequest,
  options: BatchOptions = {},
): Promise<CreateRecordsResponse> {
  const req = create(CreateRecordsRequestSchema, request);
  const out = create(CreateRecordsResponseSchema);
  await inChunks(req.records, req.requestId, options, out, async (chunk, requestId, callOptions) => {
    const res = await records.createRecords({ ...req, records: chunk, requestId }, callOptions);
    out.records.push(...res.records);
  });
  return out;
}

/**
 * Updates (or, with `mergeFields`, upserts) any number of records in calls
 * of up to 1000, in order, and returns the merged responses: every record
 * in the order given, and the ids created and updated.
 *
 * Each call is atomic, the whole is not: see {@link createAllRecords},
 * which this matches in request ids, progress and errors.
 */
export async function updateAllRecords(
  records: Client<typeof RecordService>,
  request: UpdateAllRequest,
  options: BatchOptions = {},
): Promise<UpdateRecordsResponse> {
  const req = create(UpdateRecordsRequestSchema, request);
  const out = create(UpdateRecordsResponseSchema);
  await inChunks(req.records, req.requestId, options, out, async (chunk, requestId, callOptions) => {
    const res = await records.updateRecords({ ...req, records: chunk, requestId }, callOptions);
    out.records.push(...res.records);
    out.createdRecordIds.push(...res.createdRecordIds);
    out.updatedRecordIds.push(...res.updatedRecordIds);
  });
  return out;
}

/**
 * Deletes (moves to the trash) any number of records in calls of up to
 * 1000, in order, and returns every deleted id and the last call's purge
 * time.
 *
 * Each call is atomic, the whole is not: see {@link createAllRecords},
 * which this matches in request ids, progress and errors.
 */
export async function deleteAllRecords(
  records: Client<typeof RecordService>,
  request: DeleteAllRequest,
  options: BatchOptions = {},
): Promise<DeleteRecordsResponse> {
  const req = create(DeleteRecordsRequestSchema, request);
  const out = create(DeleteRecordsResponseSchema);
  await inChunks(req.records, req.requestId, options, out, async (chunk, requestId, callOptions) => {
    const res = await records.deleteRecords({ ...req, records: chunk, requestId }, callOptions);
    out.deletedRecordIds.push(...res.deletedRecordIds);
    out.purgeTime = res.purgeTime;
  });
  return out;
}

/** Splits items into calls, deriving request ids and reporting progress. */
async function inChunks<T, Done>(
  items: readonly T[],
  requestId: string | undefined,
  options: BatchOptions,
  done: Done,
  call: (chunk: T[], requestId: string, options: CallOptions) => Promise<void>,
): Promise<void> {
  const { onProgress, chunkSize = MAX_RECORDS_PER_CALL, ...callOptions } = options;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_RECORDS_PER_CALL) {
    throw new RangeError(`chunkSize ${chunkSize}: want 1 to ${MAX_RECORDS_PER_CALL}`);
  }
  const baseId = requestId ?? "";
  if (baseId.length > 120) {
    throw new RangeError("requestId of a batch: want at most 120 characters, so that call numbers fit");
  }
  let calls = 0;
  for (let offset = 0; offset < items.length; offset += chunkSize) {
    callOptions.signal?.throwIfAborted();
    const chunk = items.slice(offset, offset + chunkSize);
    try {
      await call(chunk, baseId === "" ? "" : `${baseId}:${calls}`, callOptions);
    } catch (err) {
      throw new BatchError(err, offset, done);
    }
    calls++;
    onProgress?.({ done: offset + chunk.length, total: items.length, calls });
  }
}
