package pyairtable

import (
	"context"
	"fmt"
	"strconv"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
)

// MaxBatch is the most records one write call takes (the server's limit).
const MaxBatch = 1000

// Progress is told, after each chunk of a batch helper is written, how
// many records are done out of the total.
type Progress func(done, total int)

// BatchError is the error of a batch helper whose chunk failed. Chunks
// before it were written (and are returned beside the error); the failed
// chunk wrote nothing, being atomic; later chunks were not sent.
type BatchError struct {
	// Done is how many records were written before the failure.
	Done int
	// Offset is the position, in the whole batch, of the failed chunk's
	// first record: a violation at records[3] of the chunk is record
	// Offset+3 of the batch.
	Offset int
	// Size is how many records the failed chunk held.
	Size int
	// Err is the error of the failed call; Code, Reason and
	// FieldViolations read through BatchError to it.
	Err error
}

// Error says which records failed and why.
func (e *BatchError) Error() string {
	return fmt.Sprintf("pyairtable: records %d to %d of the batch failed (%d written before): %v",
		e.Offset, e.Offset+e.Size-1, e.Done, e.Err)
}

// Unwrap returns the failed call's error.
func (e *BatchError) Unwrap() error { return e.Err }

// chunkRequestID is the request id of chunk i when the caller gave the
// whole batch one: "<id>:<i>", so a rerun of the same batch with the same
// id applies no chunk twice. Empty stays empty (the Client then sets a
// fresh id per chunk).
func chunkRequestID(id string, i int) (string, error) {
	if id == "" {
		return "", nil
	}
	out := id + ":" + strconv.Itoa(i)
	if len(out) > 128 {
		return "", fmt.Errorf("pyairtable: request id %q is too long for a batch: chunk ids add \":<chunk>\" and must stay within 128 characters", id)
	}
	return out, nil
}

// chunks runs call on successive slices of at most size items, stopping at
// the first error, and reports progress after each.
func chunks[T any](ctx context.Context, items []T, size int, requestID string, progress Progress,
	call func(ctx context.Context, part []T, requestID string) error,
) error {
	if len(items) == 0 {
		return nil
	}
	for i, start := 0, 0; start < len(items); i, start = i+1, start+size {
		end := min(start+size, len(items))
		id, err := chunkRequestID(requestID, i)
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return &BatchError{Done: start, Offset: start, Size: end - start, Err: connect.NewError(contextCode(err), err)}
		}
		if err := call(ctx, items[start:end], id); err != nil {
			return &BatchError{Done: start, Offset: start, Size: end - start, Err: err}
		}
		if progress != nil {
			progress(end, len(items))
		}
	}
	return nil
}

// CreateAllRecords creates any number of records: req.Records is split into
// chunks of at most MaxBatch (or the Client's batch size), each sent as one
// CreateRecords call with req's other fields. Each chunk is atomic; the
// whole is not. On failure it returns the records created by the chunks
// before, with a *BatchError naming the failed chunk; nothing of that chunk
// or later ones is written. progress, if not nil, is told after each chunk.
//
// If req.RequestId is set, chunk i is sent with request id
// "<RequestId>:<i>", so running the same batch again with the same id
// (after a crash, say) creates no record twice. Otherwise each chunk gets a
// fresh id, which keeps each chunk's retries safe.
func (c *Client) CreateAllRecords(ctx context.Context, req *datav1.CreateRecordsRequest, progress Progress) ([]*datav1.Record, error) {
	var out []*datav1.Record
	err := chunks(ctx, req.GetRecords(), c.batchSize, req.GetRequestId(), progress,
		func(ctx context.Context, part []*datav1.RecordInput, id string) error {
			chunk := shallowCopy(req)
			chunk.Records, chunk.RequestId = part, id
			resp, err := c.Records.CreateRecords(ctx, connect.NewRequest(chunk))
			if err != nil {
				return err
			}
			out = append(out, resp.Msg.GetRecords()...)
			return nil
		})
	return out, err
}

// UpdateAllRecords updates (or, with merge_fields, upserts) any number of
// records, split into atomic UpdateRecords calls of at most MaxBatch, as
// CreateAllRecords does. The response gathers the chunks' records, created
// and updated ids. Each chunk is atomic; the whole is not: on failure it
// returns what the chunks before did, with a *BatchError. In an upsert,
// records with the same merge values in different chunks are matched like
// any others: the later one updates the record the earlier one made.
func (c *Client) UpdateAllRecords(ctx context.Context, req *datav1.UpdateRecordsRequest, progress Progress) (*datav1.UpdateRecordsResponse, error) {
	out := &datav1.UpdateRecordsResponse{}
	err := chunks(ctx, req.GetRecords(), c.batchSize, req.GetRequestId(), progress,
		func(ctx context.Context, part []*datav1.RecordUpdate, id string) error {
			chunk := shallowCopy(req)
			chunk.Records, chunk.RequestId = part, id
			resp, err := c.Records.UpdateRecords(ctx, connect.NewRequest(chunk))
			if err != nil {
				return err
			}
			out.Records = append(out.Records, resp.Msg.GetRecords()...)
			out.CreatedRecordIds = append(out.CreatedRecordIds, resp.Msg.GetCreatedRecordIds()...)
			out.UpdatedRecordIds = append(out.UpdatedRecordIds, resp.Msg.GetUpdatedRecordIds()...)
			return nil
		})
	return out, err
}

// DeleteAllRecords moves any number of records to the trash, split into
// atomic DeleteRecords calls of at most MaxBatch, as CreateAllRecords does.
// The response gathers the deleted ids; its purge time is the last
// chunk's. Each chunk is atomic; the whole is not: on failure it returns
// the ids the chunks before deleted, with a *BatchError.
func (c *Client) DeleteAllRecords(ctx context.Context, req *datav1.DeleteRecordsRequest, progress Progress) (*datav1.DeleteRecordsResponse, error) {
	out := &datav1.DeleteRecordsResponse{}
	err := chunks(ctx, req.GetRecords(), c.batchSize, req.GetRequestId(), progress,
		func(ctx context.Context, part []*datav1.RecordRef, id string) error {
			chunk := shallowCopy(req)
			chunk.Records, chunk.RequestId = part, id
			resp, err := c.Records.DeleteRecords(ctx, connect.NewRequest(chunk))
			if err != nil {
				return err
			}
			out.DeletedRecordIds = append(out.DeletedRecordIds, resp.Msg.GetDeletedRecordIds()...)
			out.PurgeTime = resp.Msg.GetPurgeTime()
			return nil
		})
	return out, err
}

// shallowCopy copies a request's fields but its records (the caller sets
// each chunk's), so a batch of thousands of records is never deep-copied.
// Fields other than records are shared with req, which is only read.
func shallowCopy[M proto.Message](req M) M {
	src := req.ProtoReflect()
	records := src.Descriptor().Fields().ByName("records")
	dst := src.New()
	src.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd != records {
			dst.Set(fd, v)
		}
		return true
	})
	return dst.Interface().(M)
}
