package schema

import (
	"context"
	"log/slog"

	"github.com/uptrace/bun"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Search indexes. Record search is a case-insensitive substring test on
// every text column, lower(column) LIKE '%text%' (see server/record). A
// search table per user table, kept by triggers and filled off the write
// path, narrows a search to candidate records first, on both engines
// (search_table.go). On PostgreSQL its trigram index is pg_trgm's, whose
// extension is created once per database, in the "public" schema (tests
// and bases live in other schemas, which come and go), and whose operator
// class is named with the schema it was found in, so search_path does not
// matter.

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

// searchIndex puts a new, still empty column of the given kind into the
// table's search table (a no-op for other kinds).
func (s *Service) searchIndex(ctx context.Context, tx bun.IDB, base *Base, t *Table, column string, kind tablev1.FieldType) error {
	c, ok := searchColumnOf(column, kind)
	if !ok {
		return nil
	}
	return s.searchAddColumn(ctx, tx, withSchema(base, t), c)
}

// searchIndexes makes the table's search table follow its live text
// columns again (after a rollback, whose restored columns hold cells
// written while they were hidden: their records are queued again).
func (s *Service) searchIndexes(ctx context.Context, tx bun.IDB, base *Base, t *Table) error {
	return s.searchSync(ctx, tx, withSchema(base, t), false)
}

// searchIndexesRewritten makes the triggers of a rewritten (compacted)
// table again; its cells and seqs are unchanged, so nothing is queued.
func (s *Service) searchIndexesRewritten(ctx context.Context, tx bun.IDB, base *Base, t *Table) error {
	return s.searchSync(ctx, tx, withSchema(base, t), true)
}

// withSchema is t with its base's PostgreSQL schema filled in.
func withSchema(base *Base, t *Table) *Table {
	if t.BaseSchema == base.PhysicalSchema {
		return t
	}
	c := *t
	c.BaseSchema = base.PhysicalSchema
	return &c
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
