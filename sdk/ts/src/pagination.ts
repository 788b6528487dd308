import type { MessageInitShape } from "@bufbuild/protobuf";
import type { CallOptions, Client } from "@connectrpc/connect";

import type { Record as PyRecord } from "./gen/pyairtable/data/v1/record_pb.js";
import type { ListRecordsRequestSchema, RecordService } from "./gen/pyairtable/data/v1/record_service_pb.js";

/**
 * Calls a list method page after page, following `nextPageToken` until it
 * is empty, and yields each response. Works with every List RPC:
 *
 * ```ts
 * for await (const page of paginate(api.workspaces.listWorkspaces, { pageSize: 100 })) {
 *   console.log(page.workspaces.length);
 * }
 * ```
 *
 * The request's own `pageToken`, if any, is where the first page starts.
 * Stop early with `break`; no further page is fetched. Each page is one
 * call, retried on its own by the client's retry settings.
 */
export async function* paginate<Req extends { pageToken?: string | undefined }, Res extends { nextPageToken: string }>(
  list: (request: Req, options?: CallOptions) => Promise<Res>,
  request: Req,
  options?: CallOptions,
): AsyncGenerator<Res, void, undefined> {
  let pageToken = request.pageToken ?? "";
  for (;;) {
    const page = await list({ ...request, pageToken }, options);
    yield page;
    if (page.nextPageToken === "") {
      return;
    }
    if (page.nextPageToken === pageToken) {
      throw new Error("the server returned the same page token twice; stopping instead of looping");
    }
    pageToken = page.nextPageToken;
  }
}

/**
 * Yields every record a ListRecords request selects, fetching page after
 * page (of `request.pageSize`, default 100, at most 1000) as the loop
 * consumes them:
 *
 * ```ts
 * for await (const record of listAllRecords(api.records, { tableId, sorts: [{ field: "Name" }] })) {
 *   console.log(record.id, fromCells(record.fields));
 * }
 * ```
 *
 * Pages are keyset pages, so records added or deleted meanwhile never make
 * the loop repeat or skip another record.
 */
export async function* listAllRecords(
  records: Client<typeof RecordService>,
  request: MessageInitShape<typeof ListRecordsRequestSchema>,
  options?: CallOptions,
): AsyncGenerator<PyRecord, void, undefined> {
  for await (const page of paginate(records.listRecords, request, options)) {
    yield* page.records;
  }
}
