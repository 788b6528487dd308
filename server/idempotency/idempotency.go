// Package idempotency makes writes safe to retry. A mutating request may
// carry a request_id; the response is stored in the same transaction as the
// write, so a retry with the same id from the same caller gets the first
// response and the write is applied once, even if the server died between
// the commit and the response.
package idempotency

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/uptrace/bun"
	"google.golang.org/protobuf/proto"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Retention is how long request ids are kept at least.
const Retention = 24 * time.Hour

// record is a stored response.
type record struct {
	bun.BaseModel `bun:"table:idempotency_records"`

	CallerID    string    `bun:"caller_id,pk"`
	RequestID   string    `bun:"request_id,pk"`
	Procedure   string    `bun:"procedure"`
	RequestHash string    `bun:"request_hash"`
	Response    []byte    `bun:"response"`
	CreatedAt   time.Time `bun:"created_at"`
}

// Key identifies a request: who sent it, with which id, to which RPC.
type Key struct {
	CallerID  string
	RequestID string
	Procedure string
}

// AfterCommit, when set, is called after a write's transaction committed
// and before its response is returned. The server sets it only for fault
// injection in tests (to die between commit and response).
var AfterCommit func(procedure string)

// Run runs write in a transaction. With an empty RequestID it simply runs
// it. Otherwise it returns the stored response of an earlier request with
// the same key, or runs write and stores its response in the same
// transaction. The same id with a different request (or another RPC) is
// InvalidArgument with reason REQUEST_ID_REUSED.
//
// stored, when given, returns the form of the response to keep (for
// instance without a secret that must never be stored); a retry gets that
// form.
func Run[Resp proto.Message](ctx context.Context, db *storage.DB, key Key, req proto.Message,
	write func(ctx context.Context, tx bun.Tx) (Resp, error), stored ...func(Resp) Resp,
) (Resp, error) {
	var zero Resp
	if key.RequestID == "" {
		var resp Resp
		err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			var err error
			resp, err = write(ctx, tx)
			return err
		})
		if err == nil && AfterCommit != nil {
			AfterCommit(key.Procedure)
		}
		return resp, err
	}
	hash, err := requestHash(key.Procedure, req)
	if err != nil {
		return zero, err
	}
	var resp Resp
	replayed := false
	for attempt := 0; ; attempt++ {
		err = db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			prev, err := load(ctx, tx, key)
			if err != nil {
				return err
			}
			if prev != nil {
				replayed = true
				resp, err = replay[Resp](prev, hash, key)
				return err
			}
			resp, err = write(ctx, tx)
			if err != nil {
				return err
			}
			keep := resp
			if len(stored) > 0 && stored[0] != nil {
				keep = stored[0](proto.Clone(resp).(Resp))
			}
			raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(keep)
			if err != nil {
				return apperr.Wrap(err, "encode response")
			}
			_, err = tx.NewInsert().Model(&record{
				CallerID: key.CallerID, RequestID: key.RequestID, Procedure: key.Procedure,
				RequestHash: hash, Response: raw, CreatedAt: time.Now().UTC(),
			}).Exec(ctx)
			return err
		})
		// A concurrent request with the same id committed first: read its
		// response on the next attempt.
		if err != nil && storage.IsUniqueViolation(err) && attempt == 0 {
			continue
		}
		break
	}
	if err != nil {
		return zero, apperr.Wrap(err, "write")
	}
	if !replayed && AfterCommit != nil {
		AfterCommit(key.Procedure)
	}
	return resp, nil
}

func load(ctx context.Context, tx bun.IDB, key Key) (*record, error) {
	r := new(record)
	err := tx.NewSelect().Model(r).Where("caller_id = ? AND request_id = ?", key.CallerID, key.RequestID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, apperr.Wrap(err, "load request record")
	}
	return r, nil
}

func replay[Resp proto.Message](r *record, hash string, key Key) (Resp, error) {
	var zero Resp
	if r.RequestHash != hash {
		return zero, apperr.New(apperr.InvalidArgument, "REQUEST_ID_REUSED",
			"request_id %q was already used for a different request; use a new id for a new request", key.RequestID).
			With("request_id", key.RequestID).With("first_procedure", r.Procedure)
	}
	resp := zero.ProtoReflect().New().Interface().(Resp)
	if err := proto.Unmarshal(r.Response, resp); err != nil {
		return zero, apperr.Wrap(err, "decode stored response")
	}
	return resp, nil
}

// requestHash identifies a request's content (the RPC and the request's
// deterministic encoding).
func requestHash(procedure string, req proto.Message) (string, error) {
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(req)
	if err != nil {
		return "", apperr.Wrap(err, "encode request")
	}
	h := sha256.New()
	h.Write([]byte(procedure))
	h.Write([]byte{0})
	h.Write(raw)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Purge deletes request records older than the retention period and
// returns how many it deleted.
func Purge(ctx context.Context, db bun.IDB, olderThan time.Duration) (int64, error) {
	if olderThan < Retention {
		olderThan = Retention
	}
	res, err := db.NewDelete().Table("idempotency_records").
		Where("created_at < ?", time.Now().UTC().Add(-olderThan)).Exec(ctx)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
