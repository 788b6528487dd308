package record

import (
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

// Query is what ListRecords and CountRecords ask.
type Query struct {
	// View is a view by id or name; "" for none.
	View string
	// Filter selects records; nil for all.
	Filter *tablev1.Filter
	// Sorts order them; empty: the view's, or creation order.
	Sorts []*tablev1.Sort
	// Search is text to find in the text fields; "" for none.
	Search string
	// Fields are the fields to return (names or ids); empty: the view's
	// visible fields, or all.
	Fields []string
	// PageSize is the page size (0: the default).
	PageSize int
	// PageToken continues a list.
	PageToken string
	// Deleted lists the trash instead.
	Deleted bool
}

// Page is a page of records.
type Page struct {
	// Columns are the fields returned, in order.
	Columns []*Column
	// Records are the records.
	Records []*Record
	// Next is the token of the next page; "" at the end.
	Next string
}
