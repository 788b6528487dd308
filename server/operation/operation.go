// Package operation runs work that can outgrow a request (index builds,
// unique constraints) as durable jobs in the database. A job is claimed
// with a lease that its runner renews; if the server dies, the lease runs
// out and any server picks the job up again, so handlers must be safe to
// run more than once.
package operation

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/pagetoken"
)

// Kinds of operation.
const (
	KindBuildIndex   = "build_index"
	KindEnableUnique = "enable_unique"
	KindConvertField = "convert_field"
	KindPurge        = "purge"
)

// States of an operation.
const (
	Pending   = "pending"
	Running   = "running"
	Succeeded = "succeeded"
	Failed    = "failed"
)

// Operation is a stored job.
type Operation struct {
	bun.BaseModel `bun:"table:operations"`

	ID         string     `bun:"id,pk"`
	Kind       string     `bun:"kind"`
	State      string     `bun:"state"`
	Progress   int        `bun:"progress"`
	TableID    string     `bun:"table_id"`
	FieldID    string     `bun:"field_id"`
	IndexID    string     `bun:"index_id"`
	Error      string     `bun:"error"`   // JSON of Failure, when failed
	Payload    string     `bun:"payload"` // JSON the handler reads
	Result     string     `bun:"result"`  // JSON object of strings, when succeeded
	Attempts   int        `bun:"attempts"`
	LeaseOwner string     `bun:"lease_owner"`
	LeaseUntil *time.Time `bun:"lease_until"`
	CreatedBy  string     `bun:"created_by"`
	CreatedAt  time.Time  `bun:"created_at"`
	UpdatedAt  time.Time  `bun:"updated_at"`
	EndedAt    *time.Time `bun:"ended_at"`
}

// Failure is why an operation failed.
type Failure struct {
	Code     string            `json:"code"`
	Reason   string            `json:"reason"`
	Message  string            `json:"message"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// Failure returns why the operation failed, if it did.
func (o *Operation) Failure() *Failure {
	if o.Error == "" {
		return nil
	}
	var f Failure
	if json.Unmarshal([]byte(o.Error), &f) != nil {
		return &Failure{Code: "internal", Reason: "INTERNAL", Message: "the operation failed"}
	}
	return &f
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// New stores a pending operation inside tx; payload (may be nil) is kept
// as JSON for the handler.
func New(ctx context.Context, tx bun.IDB, kind, tableID, fieldID, indexID, userID string, payload ...any) (*Operation, error) {
	t := now()
	op := &Operation{ID: ids.New(ids.Operation), Kind: kind, State: Pending, TableID: tableID, FieldID: fieldID,
		IndexID: indexID, CreatedBy: userID, CreatedAt: t, UpdatedAt: t, Payload: "{}", Result: "{}"}
	if len(payload) > 0 && payload[0] != nil {
		raw, err := json.Marshal(payload[0])
		if err != nil {
			return nil, apperr.Wrap(err, "encode operation payload")
		}
		op.Payload = string(raw)
	}
	if _, err := tx.NewInsert().Model(op).Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "store operation")
	}
	return op, nil
}

// Get returns an operation of a table.
func Get(ctx context.Context, db bun.IDB, tableID, id string) (*Operation, error) {
	op := new(Operation)
	err := db.NewSelect().Model(op).Where("id = ? AND table_id = ?", id, tableID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("operation %q not found", id).With("operation_id", id)
	}
	if err != nil {
		return nil, apperr.Wrap(err, "load operation")
	}
	return op, nil
}

// Page is a page of operations.
type Page struct {
	Operations []*Operation
	Next       string
}

type cursor struct {
	CreatedAt time.Time `json:"c"`
	ID        string    `json:"i"`
}

// List lists a table's operations, newest first.
func List(ctx context.Context, db bun.IDB, pages *pagetoken.Codec, tableID string, size int, pageToken string) (*Page, error) {
	size = pagetoken.Size(size)
	q := db.NewSelect().Model((*Operation)(nil)).Where("table_id = ?", tableID)
	scope := "operations:" + tableID
	if pageToken != "" {
		var c cursor
		if err := pages.Decode(pageToken, scope, &c); err != nil {
			return nil, err
		}
		q = q.Where("(created_at < ? OR (created_at = ? AND id < ?))", c.CreatedAt, c.CreatedAt, c.ID)
	}
	var rows []*Operation
	if err := q.Order("created_at DESC", "id DESC").Limit(int64(size+1)).Scan(ctx, &rows); err != nil {
		return nil, apperr.Wrap(err, "list operations")
	}
	rows, next, err := pagetoken.Trim(pages, scope, rows, size, func(last *Operation) any {
		return cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	})
	return &Page{Operations: rows, Next: next}, err
}

// ResultMap returns what the operation reported when it succeeded.
func (o *Operation) ResultMap() map[string]string {
	var m map[string]string
	_ = json.Unmarshal([]byte(o.Result), &m)
	return m
}

// SetResult records what an operation did, from its handler.
func SetResult(ctx context.Context, db bun.IDB, id string, result map[string]string) error {
	raw, err := json.Marshal(result)
	if err != nil {
		return err
	}
	_, err = db.NewUpdate().Model((*Operation)(nil)).Set("result = ?", string(raw)).Where("id = ?", id).Exec(ctx)
	return err
}

// SetProgress records how far an operation is, from 0 to 100.
func SetProgress(ctx context.Context, db bun.IDB, id string, percent int) error {
	_, err := db.NewUpdate().Model((*Operation)(nil)).Set("progress = ?", min(max(percent, 0), 99)).
		Set("updated_at = ?", now()).Where("id = ?", id).Exec(ctx)
	return err
}
