// Package record reads and writes the records of user tables: the rows of
// each table's physical table (DESIGN.md, "Storage"). Writes are atomic
// batches checked against the table's schema inside their transaction and
// logged to the change log in that transaction; reads are filtered, sorted
// and searched in SQL and paged by keyset.
package record

import (
	"strconv"
	"strings"
	"sync"
	"time"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/fieldtype"
	"github.com/pyairtable/pyairtable/server/pagetoken"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/view"
)

// Limits.
const (
	// MaxBatch is the most records one write takes.
	MaxBatch = 1000
	// DefaultTrash is how long deleted records can be restored.
	DefaultTrash = 7 * 24 * time.Hour
)

// Service reads and writes records.
type Service struct {
	db      *storage.DB
	schemas *schema.Service
	views   *view.Service
	pages   *pagetoken.Codec
	trash   time.Duration
	now     func() time.Time
	layouts sync.Map // table id -> *Layout, replaced when the etag changes
	// versions caches the latest schema version id per "table id/etag",
	// for the change log.
	versions sync.Map
}

// NewService returns a Service keeping deleted records restorable for
// trash (DefaultTrash when 0). views resolves the views lists name.
func NewService(db *storage.DB, schemas *schema.Service, views *view.Service, pages *pagetoken.Codec, trash time.Duration) *Service {
	if trash <= 0 {
		trash = DefaultTrash
	}
	return &Service{db: db, schemas: schemas, views: views, pages: pages, trash: trash,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Record is a stored record.
type Record struct {
	// ID is the record id ("rec…").
	ID string
	// Seq is the insertion order, the last key of every keyset page.
	Seq int64
	// Version counts the record's writes; its etag.
	Version int64
	// CreatedAt and UpdatedAt are the creation and last change times.
	CreatedAt, UpdatedAt time.Time
	// CreatedBy and UpdatedBy are the users ("usr…") who created and last
	// changed the record.
	CreatedBy, UpdatedBy string
	// DeletedAt is set for a record in the trash.
	DeletedAt *time.Time
	// Cells are the stored values by field id, as the engine scans them
	// back (or as fieldtype.Type.Value returned them, after a write); an
	// empty cell is absent or nil. Only the fields read are present.
	Cells map[string]any
}

// Etag is the record's etag: its version, as text.
func (r *Record) Etag() string { return strconv.FormatInt(r.Version, 10) }

// Column is one field of a table as requests use it: its type, its
// parsed options and its SQL column.
type Column struct {
	// Field is the field.
	Field *schema.Field
	// Type is the field's type.
	Type fieldtype.Type
	// Options are the field's parsed options.
	Options *tablev1.FieldOptions
	// SQL is the quoted column the cells are read from (a system column
	// for computed fields).
	SQL string
}

// Layout is a table's schema ready for requests: every live field with
// its type and parsed options, and the physical table. It is built once
// per schema version and shared; do not change it.
type Layout struct {
	// Table is the table's schema.
	Table *schema.Table
	// Physical is the quoted (qualified) name of the table's records.
	Physical string
	// Columns are the live fields, in display order.
	Columns []*Column
	byID    map[string]*Column
	byName  map[string]*Column
}

// Column returns a field by id or by name (ignoring case); nil if the
// table has no such field.
func (l *Layout) Column(ref string) *Column {
	if c, ok := l.byID[ref]; ok {
		return c
	}
	return l.byName[strings.ToLower(strings.TrimSpace(ref))]
}

// ColumnByID returns a field by id; nil if the table has no such field.
func (l *Layout) ColumnByID(id string) *Column { return l.byID[id] }

// layout returns the Layout of a table's schema, reusing the one built
// for the same schema version.
func (s *Service) layout(t *schema.Table) *Layout {
	if v, ok := s.layouts.Load(t.ID); ok {
		if l := v.(*Layout); l.Table.Etag == t.Etag && l.Table.UpdatedAt.Equal(t.UpdatedAt) {
			return l
		}
	}
	l := &Layout{Table: t, Physical: t.Qualified(s.db.Engine),
		byID: make(map[string]*Column, len(t.Fields)), byName: make(map[string]*Column, len(t.Fields))}
	for _, f := range t.Fields {
		typ, opts := f.TypeOptions()
		c := &Column{Field: f, Type: typ, Options: opts, SQL: schema.QuoteIdent(schema.SourceColumn(f))}
		l.Columns = append(l.Columns, c)
		l.byID[f.ID] = c
		l.byName[f.NameKey] = c
	}
	s.layouts.Store(t.ID, l)
	return l
}

// columnOf gives filter.Compile and filter.OrderBy the SQL of a field's
// column.
func columnOf(f *schema.Field) string { return schema.QuoteIdent(schema.SourceColumn(f)) }
