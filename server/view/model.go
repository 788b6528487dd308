// Package view keeps the saved views of tables: a name, a kind (grid,
// kanban, calendar, gallery) with its settings, a filter, sorts and the
// visible fields. A view stores field ids only, so renaming a field never
// breaks it; every write is checked against the table's current fields.
//
// A view outlives changes to the fields it names. When a field is deleted,
// or changes type so that a condition no longer fits it, the view is read
// without the conditions, sorts, visible fields and settings that name
// that field, and the field's id is reported as stale; the stored
// definition is kept, so restoring the field brings them back. See
// docs/filters.md.
package view

import (
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/storage"
)

// Migration creates the views table. Its SQL is the step the metadata
// schema (storage.Metadata) carries under the same ID; a test keeps the
// two equal.
var Migration = storage.Migration{ID: "0007_views", SQL: `
CREATE TABLE views (
	id TEXT PRIMARY KEY,
	table_id TEXT NOT NULL REFERENCES user_tables (id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	name_key TEXT NOT NULL,
	kind TEXT NOT NULL,
	filter TEXT NOT NULL DEFAULT '',
	sorts TEXT NOT NULL DEFAULT '[]',
	visible_field_ids TEXT NOT NULL DEFAULT '[]',
	settings TEXT NOT NULL DEFAULT '{}',
	position INTEGER NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL
);
CREATE UNIQUE INDEX views_name_key ON views (table_id, name_key);
CREATE INDEX views_table_idx ON views (table_id, position, id)
`}

// View is a stored view. Filter, Sorts and Settings hold the contract's
// JSON form (protojson) with fields named by id; VisibleFieldIDs a JSON
// array of field ids.
type View struct {
	bun.BaseModel `bun:"table:views"`

	ID              string    `bun:"id,pk"`
	TableID         string    `bun:"table_id"`
	Name            string    `bun:"name"`
	NameKey         string    `bun:"name_key"`
	Kind            string    `bun:"kind"`
	Filter          string    `bun:"filter"`
	Sorts           string    `bun:"sorts"`
	VisibleFieldIDs string    `bun:"visible_field_ids"`
	Settings        string    `bun:"settings"`
	Position        int       `bun:"position"`
	CreatedBy       string    `bun:"created_by"`
	CreatedAt       time.Time `bun:"created_at"`
	UpdatedAt       time.Time `bun:"updated_at"`
}
