package schema

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Qualified returns the quoted physical name of the table's records,
// schema-qualified on PostgreSQL. t must come from GetTable or Table (which
// fill BaseSchema).
func (t *Table) Qualified(engine storage.Engine) string {
	if engine == storage.Postgres {
		return quote(t.BaseSchema) + "." + quote(t.PhysicalName)
	}
	return quote(t.PhysicalName)
}

// FieldByRef finds a live field by id or by name (ignoring case); nil if
// there is none.
func (t *Table) FieldByRef(ref string) *Field { return t.resolveField(ref) }

// FieldByID finds a live field by id; nil if there is none.
func (t *Table) FieldByID(id string) *Field { return t.field(id) }

// QuoteIdent quotes an SQL identifier.
func QuoteIdent(id string) string { return quote(id) }

// LockForRecords is what a record write does first in its transaction: it
// makes sure the table and its base are in use and returns the table's
// schema as it is now, and holds it (on PostgreSQL a KEY SHARE lock on the
// table's row, which every schema change's lock waits for; SQLite write
// transactions hold the database's write lock), so no schema change
// commits between this check and the write's commit. cached is the schema
// the caller already holds (from Table), returned as is when it is still
// current; nil loads it.
func (s *Service) LockForRecords(ctx context.Context, tx bun.IDB, tableID string, cached *Table) (*Table, error) {
	var row struct {
		Etag         string     `bun:"etag"`
		TableDeleted *time.Time `bun:"table_deleted"`
		BaseID       string     `bun:"base_id"`
		BaseDeleted  *time.Time `bun:"base_deleted"`
	}
	q := tx.NewSelect().TableExpr("user_tables AS t").Join("JOIN bases AS b ON b.id = t.base_id").
		ColumnExpr("t.etag, t.deleted_at AS table_deleted, t.base_id, b.deleted_at AS base_deleted").
		Where("t.id = ?", tableID)
	if s.db.Engine == storage.Postgres {
		q = q.For("KEY SHARE OF t")
	}
	if err := q.Scan(ctx, &row); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, tableNotFound(tableID)
		}
		return nil, apperr.Wrap(err, "lock table")
	}
	// The search indexer takes the written records once writes pause.
	storage.AfterTx(ctx, func() { s.searchWritten(tableID) })
	if row.BaseDeleted != nil {
		return nil, apperr.New(apperr.FailedPrecondition, "BASE_DELETED",
			"base %s is deleted; restore it with RestoreBase first", row.BaseID).With("base_id", row.BaseID)
	}
	if row.TableDeleted != nil {
		return nil, apperr.New(apperr.FailedPrecondition, "TABLE_DELETED",
			"table %s is deleted; restore it with RestoreTable first", tableID).With("table_id", tableID)
	}
	if cached != nil && cached.ID == tableID && cached.Etag == row.Etag {
		return cached, nil
	}
	return s.GetTable(ctx, tx, tableID)
}
