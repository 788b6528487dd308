package schema

import (
	"context"
	"log/slog"
	"strings"

	"github.com/uptrace/bun"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Search indexes. Record search is a case-insensitive substring test on
// every text column, lower(column) LIKE '%text%' (see server/record). On
// PostgreSQL each text column gets a pg_trgm GIN index on that expression
// when the column is made (a new table or field, a type change into a
// new column), and again when the table is rewritten (compaction) or
// rolled back; an index goes with its column. The pg_trgm extension is
// created once per database, in the "public" schema (tests and bases live
// in other schemas, which come and go), and its operator class is named
// with the schema it was found in, so search_path does not matter.
//
// On SQLite each table has a trigram FTS5 search table kept by triggers
// instead (search_sqlite.go); the same calls keep it in step.

// Searchable reports whether record search looks into fields of the kind:
// single line and long text, email, URL, phone number, and a barcode's
// text.
func Searchable(kind tablev1.FieldType) bool {
	switch kind {
	case tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT, tablev1.FieldType_FIELD_TYPE_LONG_TEXT,
		tablev1.FieldType_FIELD_TYPE_EMAIL, tablev1.FieldType_FIELD_TYPE_URL, tablev1.FieldType_FIELD_TYPE_PHONE_NUMBER,
		tablev1.FieldType_FIELD_TYPE_BARCODE:
		return true
	}
	return false
}

// SearchExpr is the SQL expression search matches a searchable field's
// cells with: its text, lower-cased. Search indexes are built on the same
// expression.
func SearchExpr(engine storage.Engine, f *Field) string {
	return searchExpr(engine, f.Kind(), quote(SourceColumn(f)))
}

func searchExpr(engine storage.Engine, kind tablev1.FieldType, col string) string {
	if kind == tablev1.FieldType_FIELD_TYPE_BARCODE {
		if engine == storage.Postgres {
			return "lower((" + col + " ->> 'text'))"
		}
		return "lower(json_extract(" + col + ", '$.text'))"
	}
	return "lower(" + col + ")"
}

// searchIndexName names the search index of a column.
func searchIndexName(t *Table, column string) string {
	return "sx_" + strings.ToLower(t.ID) + "_" + column
}

// searchIndex builds the search index of a new, still empty column of
// the given kind (a no-op for other kinds). On SQLite the column joins
// the table's search table.
func (s *Service) searchIndex(ctx context.Context, tx bun.IDB, base *Base, t *Table, column string, kind tablev1.FieldType) error {
	if !Searchable(kind) || column == "" {
		return nil
	}
	if s.db.Engine == storage.SQLite {
		c, _ := ftsColumnOf(column, kind)
		return s.ftsAddColumn(ctx, tx, t, c)
	}
	ops, err := s.trigramOps(ctx)
	if err != nil || ops == "" {
		return err
	}
	_, err = tx.ExecContext(ctx, "CREATE INDEX IF NOT EXISTS "+quote(searchIndexName(t, column))+" ON "+
		qualified(s.db.Engine, base, t)+" USING gin ("+searchExpr(s.db.Engine, kind, quote(column))+" "+ops+")")
	return apperr.Wrap(err, "build search index")
}

// searchIndexes builds the search indexes the table's live text fields
// lack (after a rollback, whose restored columns hold cells written
// while they were hidden). On SQLite the search table follows the live
// text columns, indexed again when a column joins.
func (s *Service) searchIndexes(ctx context.Context, tx bun.IDB, base *Base, t *Table) error {
	if s.db.Engine == storage.SQLite {
		return s.ftsSync(ctx, tx, t, false)
	}
	for _, f := range t.Fields {
		if f.DeletedAt == nil && f.ColumnName != "" {
			if err := s.searchIndex(ctx, tx, base, t, f.ColumnName, f.Kind()); err != nil {
				return err
			}
		}
	}
	return nil
}

// searchIndexesRewritten builds the search indexes of a rewritten
// (compacted) table: those of the searched columns on PostgreSQL, the
// whole search table on SQLite.
func (s *Service) searchIndexesRewritten(ctx context.Context, tx bun.IDB, base *Base, t *Table, searched []*Field) error {
	if s.db.Engine == storage.SQLite {
		return s.ftsSync(ctx, tx, t, true)
	}
	for _, f := range searched {
		if err := s.searchIndex(ctx, tx, base, t, f.ColumnName, f.Kind()); err != nil {
			return err
		}
	}
	return nil
}

// trigramOps returns the qualified name of pg_trgm's GIN operator class,
// creating the extension (in "public") when the database lacks it; "" when
// the extension cannot be had, which leaves search unindexed (and logged).
func (s *Service) trigramOps(ctx context.Context) (string, error) {
	if v := s.trgmOps.Load(); v != nil {
		return *v, nil
	}
	find := func() (string, error) {
		var names []string
		err := s.db.NewRaw(`SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
			WHERE e.extname = 'pg_trgm'`).Scan(ctx, &names)
		if err != nil || len(names) == 0 {
			return "", err
		}
		return quote(names[0]) + ".gin_trgm_ops", nil
	}
	ops, err := find()
	if err != nil {
		return "", apperr.Wrap(err, "find pg_trgm")
	}
	if ops == "" {
		// Outside the caller's transaction: a concurrent creation makes
		// one of them fail, after which the extension is there.
		_, cerr := s.db.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
		if ops, err = find(); err != nil {
			return "", apperr.Wrap(err, "find pg_trgm")
		}
		if ops == "" {
			slog.WarnContext(ctx, "pg_trgm is not available: record search runs without indexes", "err", cerr)
		}
	}
	s.trgmOps.Store(&ops)
	return ops, nil
}
