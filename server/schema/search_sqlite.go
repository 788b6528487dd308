package schema

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

// SQLite search tables. Each user table r_<base>_<table> with searchable
// columns has a trigram FTS5 table r_<base>_<table>_fts with one row per
// record (rowid = seq) holding the lower-cased text of the record's
// searchable columns, joined by newlines, and a queue
// r_<base>_<table>_fts_todo of the seqs whose row may be out of date. The
// FTS table is contentless with contentless_delete=1 (only the trigram
// index is stored, not a second copy of the text), with case_sensitive 1
// because the text is already folded by lower() (Go's Unicode mapping, as
// the exact test; see server/storage) and no remove_diacritics, so text an
// exact test finds is always in the index.
//
// Triggers on the user table put a record's seq into the queue whatever
// writes it (record writes, conversions, rollback): after insert, after an
// update of a searchable column whose value changed, after delete. An
// indexer (IndexSearch) takes the queue in batches, each in a short
// transaction that indexes the queued rows again from the table (and
// drops those purged). Indexing a row costs far more than writing it
// (measured here for 1 KB of text: about 1.4k rows/s one by one, 1.5k to
// 6k rows/s in batches, against 8k to 10k record writes/s; see
// BenchmarkSearchIndex in server/record), so it stays off the write path: a
// search starts the indexer in the background when the queue is not empty
// (SearchCandidates, search_sqlite_index.go), and meanwhile treats queued
// records as candidates.
// Soft deletion (deleted_at) does not queue: queries test deleted_at.
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
// left). A compaction copies the cells unchanged, so it only makes the
// triggers again. The set is read back from the update trigger in
// sqlite_master, so it commits and rolls back with the schema change
// that altered it.
//
// Tables made before search tables existed get theirs on first need: when
// a text column is added, rolled back or compacted, or on the first search,
// which creates it in its own transaction with every record queued.

// ftsTable names a table's search table (unquoted).
func ftsTable(phys string) string { return phys + "_fts" }

// ftsTodo names a table's search queue (unquoted).
func ftsTodo(phys string) string { return phys + "_fts_todo" }

// ftsTrigger names one of a table's search triggers: "ai", "au", "ad".
func ftsTrigger(phys, which string) string { return phys + "_fts_" + which }

// ftsBatch is how many queued records an indexing transaction takes.
const ftsBatch = 256

// ftsColumnRe finds the searchable columns in the update trigger's SQL.
var ftsColumnRe = regexp.MustCompile(`(json_extract\()?new\."((?:[^"]|"")+)"`)

// ftsColumn is a searchable column: its name, and whether it holds a
// barcode (JSON whose "text" is searched).
type ftsColumn struct {
	name    string
	barcode bool
}

// ref is the column's searched text in a row; alias is "new" or "old"
// in a trigger, "" in a SELECT from the table.
func (c ftsColumn) ref(alias string) string {
	r := quote(c.name)
	if alias != "" {
		r = alias + "." + r
	}
	if c.barcode {
		r = "json_extract(" + r + ", '$.text')"
	}
	return r
}

// ftsText is the expression of a row's indexed text.
func ftsText(cols []ftsColumn) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c.ref("")
	}
	return "lower(concat_ws(char(10), " + strings.Join(parts, ", ") + "))"
}

// ftsColumnOf is the searchable column of a field kind, ok false when the
// kind is not searched.
func ftsColumnOf(name string, kind tablev1.FieldType) (ftsColumn, bool) {
	if name == "" || !Searchable(kind) {
		return ftsColumn{}, false
	}
	return ftsColumn{name: name, barcode: kind == tablev1.FieldType_FIELD_TYPE_BARCODE}, true
}

// ftsState is what the database holds of a table's search table.
type ftsState struct {
	exists bool
	cols   []ftsColumn // the columns the triggers follow, and the indexer indexes
}

func (st ftsState) has(name string) bool {
	return slices.ContainsFunc(st.cols, func(c ftsColumn) bool { return c.name == name })
}

// ftsLoad reads the search table's state.
func ftsLoad(ctx context.Context, db bun.IDB, phys string) (ftsState, error) {
	var rows []struct {
		Name string `bun:"name"`
		SQL  string `bun:"sql"`
	}
	if err := db.NewRaw("SELECT name, sql FROM sqlite_master WHERE name IN (?, ?)",
		ftsTable(phys), ftsTrigger(phys, "au")).Scan(ctx, &rows); err != nil {
		return ftsState{}, apperr.Wrap(err, "read search table")
	}
	var st ftsState
	for _, r := range rows {
		if r.Name == ftsTable(phys) {
			st.exists = true
			continue
		}
		for _, m := range ftsColumnRe.FindAllStringSubmatch(r.SQL, -1) {
			if name := strings.ReplaceAll(m[2], `""`, `"`); !st.has(name) {
				st.cols = append(st.cols, ftsColumn{name: name, barcode: m[1] != ""})
			}
		}
	}
	return st, nil
}

// ftsWanted lists the table's searchable columns: live fields' and the
// target columns of type changes still converting.
func (s *Service) ftsWanted(ctx context.Context, tx bun.IDB, t *Table) ([]ftsColumn, error) {
	var cols []ftsColumn
	add := func(name string, kind tablev1.FieldType) {
		if c, ok := ftsColumnOf(name, kind); ok && !slices.Contains(cols, c) {
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

// ftsApply makes the triggers follow cols, creating the search table and
// queue when missing, and queues every record when queueAll is set. With
// no columns it drops the triggers and empties the index and queue.
func ftsApply(ctx context.Context, tx bun.IDB, phys string, st ftsState, cols []ftsColumn, queueAll bool) error {
	exec := func(what, q string) error {
		_, err := tx.ExecContext(ctx, q)
		return apperr.Wrap(err, what)
	}
	fts, todo, tbl := quote(ftsTable(phys)), quote(ftsTodo(phys)), quote(phys)
	if !st.exists {
		if err := exec("create search table", "CREATE VIRTUAL TABLE "+fts+
			" USING fts5(t, tokenize = 'trigram case_sensitive 1', content = '', contentless_delete = 1)"); err != nil {
			return err
		}
		if err := exec("create search queue", "CREATE TABLE IF NOT EXISTS "+todo+" (seq INTEGER PRIMARY KEY)"); err != nil {
			return err
		}
	}
	if !slices.Equal(st.cols, cols) {
		for _, which := range []string{"ai", "au", "ad"} {
			if err := exec("drop search trigger", "DROP TRIGGER IF EXISTS "+quote(ftsTrigger(phys, which))); err != nil {
				return err
			}
		}
		if len(cols) > 0 {
			quoted := make([]string, len(cols))
			changed := make([]string, len(cols))
			for i, c := range cols {
				quoted[i] = quote(c.name)
				changed[i] = c.ref("old") + " IS NOT " + c.ref("new")
			}
			// No OR IGNORE: a statement's own conflict clause (an upsert's
			// ON CONFLICT, say) overrides a trigger's, so the queue is
			// written only where the record is not queued yet.
			queue := func(alias string) string {
				return " BEGIN INSERT INTO " + todo + " (seq) SELECT " + alias + ".seq WHERE NOT EXISTS (SELECT 1 FROM " +
					todo + " WHERE seq = " + alias + ".seq); END"
			}
			for _, q := range []string{
				"CREATE TRIGGER " + quote(ftsTrigger(phys, "ai")) + " AFTER INSERT ON " + tbl + queue("new"),
				"CREATE TRIGGER " + quote(ftsTrigger(phys, "au")) + " AFTER UPDATE OF " + strings.Join(quoted, ", ") +
					" ON " + tbl + " WHEN " + strings.Join(changed, " OR ") + queue("new"),
				"CREATE TRIGGER " + quote(ftsTrigger(phys, "ad")) + " AFTER DELETE ON " + tbl + queue("old"),
			} {
				if err := exec("create search trigger", q); err != nil {
					return err
				}
			}
		}
	}
	switch {
	case len(cols) == 0:
		if st.exists {
			if err := exec("empty search table", "INSERT INTO "+fts+" ("+fts+") VALUES ('delete-all')"); err != nil {
				return err
			}
		}
		return exec("empty search queue", "DELETE FROM "+todo)
	case queueAll:
		return exec("queue records for search", "INSERT OR IGNORE INTO "+todo+" (seq) SELECT seq FROM "+tbl)
	}
	return nil
}

// ftsAddColumn puts a new, still empty column into the searchable set
// (see searchIndex). A table without a search table gets one, with every
// record queued when it has other searchable columns.
func (s *Service) ftsAddColumn(ctx context.Context, tx bun.IDB, t *Table, col ftsColumn) error {
	st, err := ftsLoad(ctx, tx, t.PhysicalName)
	if err != nil {
		return err
	}
	if st.exists {
		if st.has(col.name) {
			return nil
		}
		return ftsApply(ctx, tx, t.PhysicalName, st, append(slices.Clone(st.cols), col), false)
	}
	cols, err := s.ftsWanted(ctx, tx, t)
	if err != nil {
		return err
	}
	others := slices.DeleteFunc(cols, func(c ftsColumn) bool { return c.name == col.name })
	return ftsApply(ctx, tx, t.PhysicalName, st, append(others, col), len(others) > 0)
}

// ftsSync makes the triggers follow exactly the table's searchable
// columns (t.Fields must be current), queueing every record when a column
// joins the set (its cells were written while no trigger followed it).
// rewritten says the table was just compacted: its cells are unchanged,
// only its triggers are gone. A table without searchable columns and
// without a search table is left without one.
func (s *Service) ftsSync(ctx context.Context, tx bun.IDB, t *Table, rewritten bool) error {
	st, err := ftsLoad(ctx, tx, t.PhysicalName)
	if err != nil {
		return err
	}
	cols, err := s.ftsWanted(ctx, tx, t)
	if err != nil {
		return err
	}
	if !st.exists && len(cols) == 0 {
		return nil
	}
	joined := !st.exists || (!rewritten && slices.ContainsFunc(cols, func(c ftsColumn) bool { return !st.has(c.name) }))
	return ftsApply(ctx, tx, t.PhysicalName, st, cols, joined)
}

// dropSearchTable drops a table's search table and queue (its triggers go
// with the user table).
func (s *Service) dropSearchTable(ctx context.Context, tx bun.IDB, t *Table) error {
	if s.db.Engine != storage.SQLite {
		return nil
	}
	for _, name := range []string{ftsTable(t.PhysicalName), ftsTodo(t.PhysicalName)} {
		if _, err := tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+quote(name)); err != nil {
			return apperr.Wrap(err, "drop search table")
		}
	}
	return nil
}
