package schema

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

// SQLite search tables (see search_table.go). The FTS table is
// contentless with contentless_delete=1 (only the trigram index is stored,
// not a second copy of the text), with case_sensitive 1 because the text
// is already folded by lower() (Go's Unicode mapping, as the exact test;
// see server/storage) and no remove_diacritics, so text an exact test
// finds is always in the index. The set of columns the triggers follow is
// read back from the update trigger in sqlite_master.

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

// ftsLoad reads the search table's state.
func ftsLoad(ctx context.Context, db bun.IDB, phys string) (searchState, error) {
	var rows []struct {
		Name string `bun:"name"`
		SQL  string `bun:"sql"`
	}
	if err := db.NewRaw("SELECT name, sql FROM sqlite_master WHERE name IN (?, ?)",
		ftsTable(phys), ftsTrigger(phys, "au")).Scan(ctx, &rows); err != nil {
		return searchState{}, apperr.Wrap(err, "read search table")
	}
	var st searchState
	for _, r := range rows {
		if r.Name == ftsTable(phys) {
			st.exists = true
			continue
		}
		for _, m := range ftsColumnRe.FindAllStringSubmatch(r.SQL, -1) {
			st.addCol(m[2], m[1] != "")
		}
	}
	return st, nil
}

// ftsApply makes the triggers follow cols, creating the search table and
// queue when missing, and queues every record when queueAll is set. With
// no columns it drops the triggers and empties the index and queue.
func ftsApply(ctx context.Context, tx bun.IDB, phys string, st searchState, cols []searchColumn, queueAll bool) error {
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
				changed[i] = c.ref(storage.SQLite, "old") + " IS NOT " + c.ref(storage.SQLite, "new")
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

// ftsDrop drops a table's search table and queue (its triggers go with
// the user table).
func ftsDrop(ctx context.Context, tx bun.IDB, phys string) error {
	for _, name := range []string{ftsTable(phys), ftsTodo(phys)} {
		if _, err := tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+quote(name)); err != nil {
			return apperr.Wrap(err, "drop search table")
		}
	}
	return nil
}

// ftsIndexBatch indexes up to ftsBatch queued records of a table in tx
// and returns how many it took. SQLite write transactions hold the
// database, so nothing changes the records meanwhile.
func ftsIndexBatch(ctx context.Context, tx bun.IDB, phys string, st searchState) (int, error) {
	fts, todo := quote(ftsTable(phys)), quote(ftsTodo(phys))
	var last []int64
	if err := tx.NewRaw("SELECT seq FROM "+todo+" ORDER BY seq LIMIT "+strconv.Itoa(ftsBatch)).Scan(ctx, &last); err != nil {
		return 0, apperr.Wrap(err, "read search queue")
	}
	n := len(last)
	if n == 0 {
		return 0, nil
	}
	hi := last[n-1]
	queued := "(SELECT seq FROM " + todo + " WHERE seq <= ?)"
	if len(st.cols) > 0 {
		if _, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO "+fts+" (rowid, t) SELECT seq, "+searchText(storage.SQLite, st.cols)+
			" FROM "+quote(phys)+" WHERE seq IN "+queued, hi); err != nil {
			return 0, apperr.Wrap(err, "index records for search")
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM "+fts+" WHERE rowid IN (SELECT q.seq FROM "+todo+
		" AS q WHERE q.seq <= ? AND NOT EXISTS (SELECT 1 FROM "+quote(phys)+" AS r WHERE r.seq = q.seq))", hi); err != nil {
		return 0, apperr.Wrap(err, "unindex purged records")
	}
	_, err := tx.ExecContext(ctx, "DELETE FROM "+todo+" WHERE seq <= ?", hi)
	return n, apperr.Wrap(err, "empty search queue")
}
