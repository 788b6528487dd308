package schema

import (
	"context"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Search tables, on both engines. Each user table with searchable columns
// has a search table with one row per record (keyed by seq) holding the
// lower-cased text of the record's searchable columns, joined by newlines,
// under a trigram index, and a queue of the seqs whose row may be out of
// date:
//
//   - SQLite: r_<base>_<table>_fts, a contentless trigram FTS5 table
//     (rowid = seq), and r_<base>_<table>_fts_todo (search_sqlite.go);
//   - PostgreSQL: <table>_search (seq, body) with a pg_trgm GIN index on
//     body, and <table>_search_todo, in the base's schema (search_pg.go).
//
// Triggers on the user table put a record's seq into the queue whatever
// writes it (record writes, conversions, rollback): after an insert, after
// an update that changed a searchable column, after a delete. An indexer
// (IndexSearch, search_index.go) takes the queue in batches, each in a
// short transaction that indexes the queued rows again from the table (and
// drops those purged). Indexing a row costs far more than writing it
// (PostgreSQL: raw COPY of the benchmark's rows is about 13 times slower
// with trigram indexes on their text than without; SQLite: about 1.4k rows
// a second one by one, see BenchmarkSearchIndex in server/record), so it
// stays off the write path: it starts in the background once a table's
// writes pause (at the latest MaxSearchDelay after the first), and when a
// search finds the queue not empty. Meanwhile searches treat queued
// records as candidates. Soft deletion (deleted_at) does not queue:
// queries test deleted_at.
//
// Invariant: the triggers follow a set of columns that holds every
// searchable column (live fields' and type changes' target columns), and
// every record not in the queue has a row holding the text of each column
// of the set, which the indexer reads. The set may hold more (a field
// deleted or retyped since stays in it until a rollback or a compaction
// makes it exact), so a row may say more than the record's live fields,
// never less; the exact test always follows, so the answer is the same as
// without an index. A column joins the set either empty (a new field, or
// the target of a type change, before any cell is written into it) or by
// queueing every record (a rollback that brings back a column the set had
// left). A compaction copies the cells and seqs unchanged, so it only
// makes the triggers again. The set is read back from the database (the
// SQLite update trigger's SQL, the PostgreSQL trigger function's source),
// so it commits and rolls back with the schema change that altered it.
//
// Tables made before search tables existed (on PostgreSQL: with a pg_trgm
// index per text column) get theirs on first need: when a text column is
// added, rolled back or compacted, or on the first search, which creates
// it in its own transaction with every record queued (and drops the old
// per-column indexes).

// searchColumn is a searchable column: its name, and whether it holds a
// barcode (JSON whose "text" is searched).
type searchColumn struct {
	name    string
	barcode bool
}

// ref is the column's searched text in a row; alias names the row ("new"
// or "old" in a trigger), "" for a SELECT from the table.
func (c searchColumn) ref(engine storage.Engine, alias string) string {
	r := quote(c.name)
	if alias != "" {
		r = alias + "." + r
	}
	if c.barcode {
		if engine == storage.Postgres {
			return "(" + r + " ->> 'text')"
		}
		r = "json_extract(" + r + ", '$.text')"
	}
	return r
}

// searchText is the expression of a row's indexed text.
func searchText(engine storage.Engine, cols []searchColumn) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.ref(engine, "")
	}
	sep := "char(10)"
	if engine == storage.Postgres {
		sep = "E'\\n'"
	}
	return "lower(concat_ws(" + sep + ", " + strings.Join(parts, ", ") + "))"
}

// searchColumnOf is the searchable column of a field kind, ok false when
// the kind is not searched.
func searchColumnOf(name string, kind tablev1.FieldType) (searchColumn, bool) {
	if name == "" || !Searchable(kind) {
		return searchColumn{}, false
	}
	return searchColumn{name: name, barcode: kind == tablev1.FieldType_FIELD_TYPE_BARCODE}, true
}

// searchState is what the database holds of a table's search table.
type searchState struct {
	exists bool
	cols   []searchColumn // the columns the triggers follow, and the indexer indexes
}

func (st searchState) has(name string) bool {
	return slices.ContainsFunc(st.cols, func(c searchColumn) bool { return c.name == name })
}

// addCol adds a column read back from trigger source, once.
func (st *searchState) addCol(name string, barcode bool) {
	name = strings.ReplaceAll(name, `""`, `"`)
	if !st.has(name) {
		st.cols = append(st.cols, searchColumn{name: name, barcode: barcode})
	}
}

// searchLoad reads the table's search table state (t must carry
// BaseSchema on PostgreSQL).
func (s *Service) searchLoad(ctx context.Context, db bun.IDB, t *Table) (searchState, error) {
	if s.db.Engine == storage.Postgres {
		return pgSearchLoad(ctx, db, t)
	}
	return ftsLoad(ctx, db, t.PhysicalName)
}

// searchApply makes the triggers follow cols, creating the search table
// and queue when missing, and queues every record when queueAll is set.
// With no columns it drops the triggers and empties the index and queue.
// On PostgreSQL without pg_trgm it does nothing (search runs unindexed).
func (s *Service) searchApply(ctx context.Context, tx bun.IDB, t *Table, st searchState, cols []searchColumn, queueAll bool) error {
	if s.db.Engine == storage.Postgres {
		ops, err := s.trigramOps(ctx)
		if err != nil || ops == "" {
			return err
		}
		return pgSearchApply(ctx, tx, t, ops, st, cols, queueAll)
	}
	return ftsApply(ctx, tx, t.PhysicalName, st, cols, queueAll)
}

// searchWanted lists the table's searchable columns: live fields' and the
// target columns of type changes still converting.
func (s *Service) searchWanted(ctx context.Context, tx bun.IDB, t *Table) ([]searchColumn, error) {
	var cols []searchColumn
	add := func(name string, kind tablev1.FieldType) {
		if c, ok := searchColumnOf(name, kind); ok && !slices.Contains(cols, c) {
			cols = append(cols, c)
		}
	}
	for _, f := range t.Fields {
		if f.DeletedAt == nil {
			add(f.ColumnName, f.Kind())
		}
	}
	pending, err := s.pendingColumns(ctx, tx, t)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(pending))
	for name := range pending {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		add(name, tablev1.FieldType(tablev1.FieldType_value[pending[name]]))
	}
	return cols, nil
}

// searchAddColumn puts a new, still empty column into the searchable set
// (see searchIndex). A table without a search table gets one, with every
// record queued when it has other searchable columns.
func (s *Service) searchAddColumn(ctx context.Context, tx bun.IDB, t *Table, col searchColumn) error {
	st, err := s.searchLoad(ctx, tx, t)
	if err != nil {
		return err
	}
	if st.exists {
		if st.has(col.name) {
			return nil
		}
		return s.searchApply(ctx, tx, t, st, append(slices.Clone(st.cols), col), false)
	}
	cols, err := s.searchWanted(ctx, tx, t)
	if err != nil {
		return err
	}
	others := slices.DeleteFunc(cols, func(c searchColumn) bool { return c.name == col.name })
	return s.searchApply(ctx, tx, t, st, append(others, col), len(others) > 0)
}

// searchSync makes the triggers follow exactly the table's searchable
// columns (t.Fields must be current), queueing every record when a column
// joins the set (its cells were written while no trigger followed it).
// rewritten says the table was just compacted: its cells are unchanged,
// only its triggers are gone. A table without searchable columns and
// without a search table is left without one.
func (s *Service) searchSync(ctx context.Context, tx bun.IDB, t *Table, rewritten bool) error {
	st, err := s.searchLoad(ctx, tx, t)
	if err != nil {
		return err
	}
	cols, err := s.searchWanted(ctx, tx, t)
	if err != nil {
		return err
	}
	if !st.exists && len(cols) == 0 {
		return nil
	}
	joined := !st.exists || (!rewritten && slices.ContainsFunc(cols, func(c searchColumn) bool { return !st.has(c.name) }))
	return s.searchApply(ctx, tx, t, st, cols, joined)
}

// dropSearchTable drops a table's search table and queue (and on
// PostgreSQL its trigger function; the triggers go with the user table).
func (s *Service) dropSearchTable(ctx context.Context, tx bun.IDB, t *Table) error {
	if s.db.Engine == storage.Postgres {
		return pgSearchDrop(ctx, tx, t)
	}
	return ftsDrop(ctx, tx, t.PhysicalName)
}
