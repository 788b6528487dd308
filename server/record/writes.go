package record

import (
	"google.golang.org/protobuf/types/known/structpb"
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
	// Checked, for Create, is the batch as Precheck checked it; nil: the
	// write checks it.
	Checked *Checked
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
