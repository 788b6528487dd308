/**
 * The PyAirtable TypeScript SDK: typed clients for every service over
 * gRPC-Web or the Connect protocol, with retries; async iterators over
 * pages and records; batch helpers that split any number of records into
 * atomic calls; and helpers that read the error details the server
 * attaches to failed calls.
 *
 * @packageDocumentation
 */

export { bearerToken, createPyAirtable, withCredentials, type Protocol, type PyAirtable, type PyAirtableOptions } from "./client.js";
export { connectErrorOf, errorInfo, errorReason, fieldViolations, formatFieldPath, retryDelayMs, type FieldViolation } from "./errors.js";
export { isNetworkError, newRequestId, requestIdField, retryInterceptor, type RetryEvent, type RetryOptions } from "./retry.js";
export { listAllRecords, paginate } from "./pagination.js";
export {
  BatchError,
  createAllRecords,
  deleteAllRecords,
  MAX_RECORDS_PER_CALL,
  updateAllRecords,
  type BatchOptions,
  type BatchProgress,
} from "./batch.js";
export { fromCells, toCells } from "./cells.js";

export { Code, ConnectError } from "@connectrpc/connect";

export * from "./gen/pyairtable/common/v1/access_pb.js";
export * from "./gen/pyairtable/common/v1/errors_pb.js";
export * from "./gen/pyairtable/common/v1/request_id_pb.js";
export * from "./gen/pyairtable/common/v1/role_pb.js";
export * from "./gen/pyairtable/user/v1/user_pb.js";
export * from "./gen/pyairtable/user/v1/user_service_pb.js";
export * from "./gen/pyairtable/auth/v1/token_pb.js";
export * from "./gen/pyairtable/auth/v1/auth_service_pb.js";
export * from "./gen/pyairtable/workspace/v1/workspace_pb.js";
export * from "./gen/pyairtable/workspace/v1/workspace_service_pb.js";
export * from "./gen/pyairtable/auth/v1/session_pb.js";
export * from "./gen/pyairtable/table/v1/base_pb.js";
export * from "./gen/pyairtable/table/v1/base_service_pb.js";
export * from "./gen/pyairtable/table/v1/field_pb.js";
export * from "./gen/pyairtable/table/v1/table_pb.js";
export * from "./gen/pyairtable/table/v1/table_service_pb.js";
export * from "./gen/pyairtable/table/v1/index_pb.js";
export * from "./gen/pyairtable/table/v1/version_pb.js";
export * from "./gen/pyairtable/table/v1/filter_pb.js";
export * from "./gen/pyairtable/table/v1/view_pb.js";
export * from "./gen/pyairtable/table/v1/view_service_pb.js";
export * from "./gen/pyairtable/operation/v1/operation_pb.js";
export * from "./gen/pyairtable/operation/v1/operation_service_pb.js";
export * from "./gen/pyairtable/data/v1/record_pb.js";
export * from "./gen/pyairtable/data/v1/record_service_pb.js";
export {
  FieldPathElementSchema,
  FieldPathSchema,
  ViolationSchema,
  ViolationsSchema,
  type FieldPath,
  type FieldPathElement,
  type Violation,
  type Violations,
} from "./gen/buf/validate/validate_pb.js";
