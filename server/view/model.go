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
)

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
