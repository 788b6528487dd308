// Package schema keeps the shape of data: bases, tables and typed fields.
// Each user table is a real database table with one typed column per field
// (DESIGN.md, "Storage"); this package changes that physical table and its
// metadata in one transaction, so a failed change leaves nothing half done.
package schema

import (
	"time"

	"github.com/uptrace/bun"
)

// Base is a stored base.
type Base struct {
	bun.BaseModel `bun:"table:bases"`

	ID             string     `bun:"id,pk"`
	WorkspaceID    string     `bun:"workspace_id"`
	Name           string     `bun:"name"`
	Description    string     `bun:"description"`
	PhysicalSchema string     `bun:"physical_schema"`
	CreatedBy      string     `bun:"created_by"`
	CreatedAt      time.Time  `bun:"created_at"`
	UpdatedAt      time.Time  `bun:"updated_at"`
	DeletedAt      *time.Time `bun:"deleted_at"`
	PurgeAt        *time.Time `bun:"purge_at"`
}

// Table is a stored table's metadata; Fields are loaded separately.
type Table struct {
	bun.BaseModel `bun:"table:user_tables"`

	ID             string     `bun:"id,pk"`
	BaseID         string     `bun:"base_id"`
	Name           string     `bun:"name"`
	NameKey        string     `bun:"name_key"`
	Description    string     `bun:"description"`
	PrimaryFieldID string     `bun:"primary_field_id"`
	PhysicalName   string     `bun:"physical_name"`
	NextColumn     int        `bun:"next_column"`
	Etag           string     `bun:"etag"`
	CreatedBy      string     `bun:"created_by"`
	CreatedAt      time.Time  `bun:"created_at"`
	UpdatedAt      time.Time  `bun:"updated_at"`
	DeletedAt      *time.Time `bun:"deleted_at"`
	PurgeAt        *time.Time `bun:"purge_at"`

	// Fields in display order (not stored in this row).
	Fields []*Field `bun:"-"`
	// BaseSchema is the base's PostgreSQL schema (not stored in this row;
	// empty on SQLite), for Qualified.
	BaseSchema string `bun:"-"`
}

// Field is a stored field.
type Field struct {
	bun.BaseModel `bun:"table:fields"`

	ID          string     `bun:"id,pk"`
	TableID     string     `bun:"table_id"`
	Name        string     `bun:"name"`
	NameKey     string     `bun:"name_key"`
	Description string     `bun:"description"`
	Type        string     `bun:"type"`
	Options     string     `bun:"options"`
	Required    bool       `bun:"required"`
	Position    int        `bun:"position"`
	ColumnName  string     `bun:"column_name"`
	Unique      bool       `bun:"is_unique"`
	CreatedAt   time.Time  `bun:"created_at"`
	DeletedAt   *time.Time `bun:"deleted_at"`
}

// retiredColumn is a physical column no field uses any more (after a type
// change or a deletion), kept so the change can be undone.
type retiredColumn struct {
	bun.BaseModel `bun:"table:retired_columns"`

	TableID    string    `bun:"table_id,pk"`
	ColumnName string    `bun:"column_name,pk"`
	FieldID    string    `bun:"field_id"`
	Type       string    `bun:"type"`
	Options    string    `bun:"options"`
	RetiredAt  time.Time `bun:"retired_at"`
}
