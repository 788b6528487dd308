package record

import (
	"context"
	"time"

	"github.com/uptrace/bun"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/pyairtable/pyairtable/server/apperr"
)

// Cells is one record's input cells, keyed by field name (ignoring case)
// or id, as a request gives them.
type Cells = map[string]*structpb.Value

// WriteOptions are what every write takes.
type WriteOptions struct {
	// UserID is the writer ("usr…"), kept as created_by/updated_by and in
	// the change log.
	UserID string
	// Typecast reads values leniently and adds unknown select choices.
	Typecast bool
}

// Update is the change of one record.
type Update struct {
	// ID is the record; empty in an upsert.
	ID string
	// Fields are the cells to set.
	Fields Cells
	// Etag, when not empty, must be the record's current etag.
	Etag string
}

// UpdateOptions are what UpdateRecords takes.
type UpdateOptions struct {
	WriteOptions
	// Replace empties the fields an update leaves out.
	Replace bool
	// MergeFields, when given, make the call an upsert matching on these
	// fields (names or ids).
	MergeFields []string
}

// UpdateResult is what an update did.
type UpdateResult struct {
	// Records are the records as they are now, in the order given.
	Records []*Record
	// Created and Updated are the ids of the records created (upsert) and
	// updated.
	Created, Updated []string
}

// Ref names a record, with an optional etag.
type Ref struct {
	ID, Etag string
}

// errTODO marks what is not built yet.
var errTODO = apperr.New(apperr.FailedPrecondition, "NOT_BUILT", "not built yet")

// Create adds records atomically, in tx. It returns the layout the values
// were checked against and the new records, in the order given, with
// every field's cell.
func (s *Service) Create(ctx context.Context, tx bun.Tx, tableID string, records []Cells, o WriteOptions) (*Layout, []*Record, error) {
	return nil, nil, errTODO
}

// Update changes (or upserts) records atomically, in tx.
func (s *Service) Update(ctx context.Context, tx bun.Tx, tableID string, updates []Update, o UpdateOptions) (*Layout, *UpdateResult, error) {
	return nil, nil, errTODO
}

// Delete moves records to the trash atomically, in tx, and returns their
// ids and when they will be purged.
func (s *Service) Delete(ctx context.Context, tx bun.Tx, tableID string, refs []Ref, userID string) ([]string, time.Time, error) {
	return nil, time.Time{}, errTODO
}

// Restore brings deleted records back atomically, in tx.
func (s *Service) Restore(ctx context.Context, tx bun.Tx, tableID string, recordIDs []string, userID string) (*Layout, []*Record, error) {
	return nil, nil, errTODO
}

// PurgeExpired removes for good the records whose time in the trash is
// over, in every table, and returns how many.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	return 0, errTODO
}
