package schema

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

// PostgreSQL search tables (see search_table.go). In the base's schema,
// beside the user table <table>:
//
//   - <table>_search (seq bigint PRIMARY KEY, body text) with a pg_trgm GIN
//     index on body, which a search narrows with body LIKE '%text%';
//   - <table>_search_todo (seq bigint PRIMARY KEY), the queue;
//   - <table>_search_queue(), the trigger function, and statement-level
//     triggers <table>_search_ai, _au and _ad, which queue the seqs of
//     their transition tables (for updates only those whose searched text
//     changed), so a batch of 1000 records queues in one statement.
//
// The set of columns the triggers follow is read back from the function's
// source, when the update trigger exists on the table (a compaction makes
// a new table, without triggers).
//
// Writers and the indexer meet on the queue's rows, and only the
// indexer's batch is ever waited for. The indexer deletes the queued seqs
// it can lock (FOR UPDATE SKIP LOCKED, so indexers on several replicas
// share the work and none waits), then reads those records as committed.
// A writer's trigger queues with ON CONFLICT DO UPDATE, which locks the
// queued row: a write whose trigger comes while the indexer holds that row
// waits for the indexer's commit and queues the record again; a write
// that queued first holds the row until it commits, so the indexer skips
// the record. (ON CONFLICT DO NOTHING would not wait, and a change the
// indexer could not yet see would be left out of the index and the
// queue.) The indexer takes no lock on the records, so it never waits for
// a writer and no deadlock can form.

// pgSearchNames are a table's search objects, quoted and qualified.
type pgSearchNames struct {
	table, side, todo, fn string
}

func pgSearchNamesOf(t *Table) pgSearchNames {
	q := func(suffix string) string { return quote(t.BaseSchema) + "." + quote(t.PhysicalName+suffix) }
	return pgSearchNames{table: q(""), side: q("_search"), todo: q("_search_todo"), fn: q("_search_queue")}
}

// pgSearchTrigger names one of a table's search triggers (unqualified:
// triggers live with their table): "ai", "au" or "ad".
func pgSearchTrigger(t *Table, which string) string {
	return quote(t.PhysicalName + "_search_" + which)
}

// pgSearchColumnRe finds the searchable columns in the trigger function's
// source: o."c3", or (o."c3" ->> 'text') for a barcode.
var pgSearchColumnRe = regexp.MustCompile(`(\()?o\."((?:[^"]|"")+)"`)

// pgSearchLoad reads the search table's state.
func pgSearchLoad(ctx context.Context, db bun.IDB, t *Table) (searchState, error) {
	var row struct {
		Exists bool           `bun:"exists"`
		Source sql.NullString `bun:"source"`
	}
	err := db.NewRaw(`SELECT to_regclass(?) IS NOT NULL AS exists,
		(SELECT p.prosrc FROM pg_trigger g JOIN pg_proc p ON p.oid = g.tgfoid
			WHERE g.tgrelid = to_regclass(?) AND g.tgname = ?) AS source`,
		pgSearchNamesOf(t).side, pgSearchNamesOf(t).table, t.PhysicalName+"_search_au").Scan(ctx, &row)
	if err != nil {
		return searchState{}, apperr.Wrap(err, "read search table")
	}
	st := searchState{exists: row.Exists}
	for _, m := range pgSearchColumnRe.FindAllStringSubmatch(row.Source.String, -1) {
		st.addCol(m[2], m[1] != "")
	}
	return st, nil
}

// pgSearchApply is searchApply on PostgreSQL; ops is pg_trgm's GIN
// operator class.
func pgSearchApply(ctx context.Context, tx bun.IDB, t *Table, ops string, st searchState, cols []searchColumn, queueAll bool) error {
	exec := func(what, q string, args ...any) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return apperr.Wrap(err, what)
	}
	n := pgSearchNamesOf(t)
	if !st.exists {
		for _, q := range []string{
			"CREATE TABLE IF NOT EXISTS " + n.side + " (seq bigint PRIMARY KEY, body text NOT NULL)",
			"CREATE INDEX IF NOT EXISTS " + quote(t.PhysicalName+"_search_body") + " ON " + n.side + " USING gin (body " + ops + ")",
			"CREATE TABLE IF NOT EXISTS " + n.todo + " (seq bigint PRIMARY KEY)",
		} {
			if err := exec("create search table", q); err != nil {
				return err
			}
		}
		if err := pgDropColumnSearchIndexes(ctx, tx, t); err != nil {
			return err
		}
	}
	if !slices.Equal(st.cols, cols) {
		for _, which := range []string{"ai", "au", "ad"} {
			if err := exec("drop search trigger", "DROP TRIGGER IF EXISTS "+pgSearchTrigger(t, which)+" ON "+n.table); err != nil {
				return err
			}
		}
		if len(cols) > 0 {
			changed := make([]string, len(cols))
			for i, c := range cols {
				changed[i] = c.ref(storage.Postgres, "o") + " IS DISTINCT FROM " + c.ref(storage.Postgres, "n")
			}
			queue := func(from string) string {
				return "INSERT INTO " + n.todo + " (seq) SELECT " + from + " ON CONFLICT (seq) DO UPDATE SET seq = excluded.seq;"
			}
			fn := "CREATE OR REPLACE FUNCTION " + n.fn + "() RETURNS trigger LANGUAGE plpgsql AS $fn$\nBEGIN\n" +
				"IF TG_OP = 'INSERT' THEN " + queue("seq FROM n") + "\n" +
				"ELSIF TG_OP = 'DELETE' THEN " + queue("seq FROM o") + "\n" +
				"ELSE " + queue("n.seq FROM n JOIN o ON o.seq = n.seq WHERE "+strings.Join(changed, " OR ")) + "\n" +
				"END IF;\nRETURN NULL;\nEND\n$fn$"
			if err := exec("create search trigger", fn); err != nil {
				return err
			}
			for _, q := range []string{
				"CREATE TRIGGER " + pgSearchTrigger(t, "ai") + " AFTER INSERT ON " + n.table + " REFERENCING NEW TABLE AS n",
				"CREATE TRIGGER " + pgSearchTrigger(t, "au") + " AFTER UPDATE ON " + n.table + " REFERENCING OLD TABLE AS o NEW TABLE AS n",
				"CREATE TRIGGER " + pgSearchTrigger(t, "ad") + " AFTER DELETE ON " + n.table + " REFERENCING OLD TABLE AS o",
			} {
				if err := exec("create search trigger", q+" FOR EACH STATEMENT EXECUTE FUNCTION "+n.fn+"()"); err != nil {
					return err
				}
			}
		}
	}
	switch {
	case len(cols) == 0:
		if err := exec("empty search table", "DELETE FROM "+n.side); err != nil {
			return err
		}
		return exec("empty search queue", "DELETE FROM "+n.todo)
	case queueAll:
		return exec("queue records for search", "INSERT INTO "+n.todo+" (seq) SELECT seq FROM "+n.table+" ON CONFLICT DO NOTHING")
	}
	return nil
}

// pgDropColumnSearchIndexes drops the pg_trgm index per text column that
// tables had before search tables (named sx_<table id>_<column>).
func pgDropColumnSearchIndexes(ctx context.Context, tx bun.IDB, t *Table) error {
	var names []string
	if err := tx.NewRaw(`SELECT indexname FROM pg_indexes WHERE schemaname = ? AND tablename = ? AND indexname LIKE ?`,
		t.BaseSchema, t.PhysicalName, `sx\_%`).Scan(ctx, &names); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return apperr.Wrap(err, "find old search indexes")
	}
	for _, name := range names {
		if _, err := tx.ExecContext(ctx, "DROP INDEX IF EXISTS "+quote(t.BaseSchema)+"."+quote(name)); err != nil {
			return apperr.Wrap(err, "drop old search index")
		}
	}
	return nil
}

// pgSearchDrop drops a table's search table, queue and trigger function.
func pgSearchDrop(ctx context.Context, tx bun.IDB, t *Table) error {
	n := pgSearchNamesOf(t)
	for _, q := range []string{"DROP TABLE IF EXISTS " + n.side, "DROP TABLE IF EXISTS " + n.todo, "DROP FUNCTION IF EXISTS " + n.fn + "() CASCADE"} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return apperr.Wrap(err, "drop search table")
		}
	}
	return nil
}

// pgIndexSearchBatch indexes up to batch queued records of a table in tx
// (see the locking above) and returns how many it took.
func pgIndexSearchBatch(ctx context.Context, tx bun.IDB, t *Table, st searchState, batch int) (int, error) {
	n := pgSearchNamesOf(t)
	var seqs []int64
	if err := tx.NewRaw("DELETE FROM "+n.todo+" WHERE seq IN (SELECT seq FROM "+n.todo+
		" ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED) RETURNING seq", batch).Scan(ctx, &seqs); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, apperr.Wrap(err, "take search queue")
	}
	if len(seqs) == 0 {
		return 0, nil
	}
	taken := bun.In(seqs)
	if len(st.cols) > 0 {
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+n.side+" (seq, body) SELECT seq, body FROM (SELECT seq, "+
			searchText(storage.Postgres, st.cols)+" AS body FROM "+n.table+" WHERE seq IN (?)) AS r"+
			" ON CONFLICT (seq) DO UPDATE SET body = excluded.body", taken); err != nil {
			return 0, apperr.Wrap(err, "index records for search")
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+n.side+" AS s WHERE s.seq IN (?) AND NOT EXISTS (SELECT 1 FROM "+
		n.table+" AS r WHERE r.seq = s.seq)", taken); err != nil {
		return 0, apperr.Wrap(err, "unindex purged records")
	}
	return len(seqs), nil
}
