package schema

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

// The SQLite search tables' indexer and their use by search (see
// search_sqlite.go).

// IndexSearch brings a table's SQLite search table up to date: it indexes
// the queued records, a batch per transaction, until the queue is empty,
// and returns how many it took. A no-op on PostgreSQL.
func (s *Service) IndexSearch(ctx context.Context, tableID string) (int, error) {
	if s.db.Engine != storage.SQLite {
		return 0, nil
	}
	total := 0
	for {
		n, err := s.indexSearchBatch(ctx, tableID)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// indexSearchBatch indexes up to ftsBatch queued records of a table, in
// one transaction: the text of the columns the triggers follow, as they
// stand in that transaction.
func (s *Service) indexSearchBatch(ctx context.Context, tableID string) (int, error) {
	n := 0
	err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		t, err := s.GetTable(ctx, tx, tableID)
		if err != nil {
			return err
		}
		phys := t.PhysicalName
		st, err := ftsLoad(ctx, tx, phys)
		if err != nil || !st.exists {
			return err
		}
		fts, todo := quote(ftsTable(phys)), quote(ftsTodo(phys))
		var last []int64
		if err := tx.NewRaw("SELECT seq FROM "+todo+" ORDER BY seq LIMIT "+strconv.Itoa(ftsBatch)).Scan(ctx, &last); err != nil {
			return apperr.Wrap(err, "read search queue")
		}
		if n = len(last); n == 0 {
			return nil
		}
		hi := last[n-1]
		cols := st.cols
		queued := "(SELECT seq FROM " + todo + " WHERE seq <= ?)"
		if len(cols) > 0 {
			if _, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO "+fts+" (rowid, t) SELECT seq, "+ftsText(cols)+
				" FROM "+quote(phys)+" WHERE seq IN "+queued, hi); err != nil {
				return apperr.Wrap(err, "index records for search")
			}
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+fts+" WHERE rowid IN (SELECT q.seq FROM "+todo+
			" AS q WHERE q.seq <= ? AND NOT EXISTS (SELECT 1 FROM "+quote(phys)+" AS r WHERE r.seq = q.seq))", hi); err != nil {
			return apperr.Wrap(err, "unindex purged records")
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM "+todo+" WHERE seq <= ?", hi)
		return apperr.Wrap(err, "empty search queue")
	})
	return n, err
}

// SearchCandidates returns a condition on seq that narrows a search for
// text (trimmed) to the records that may contain it, for the exact test
// to follow: on SQLite, those whose row in the table's search table holds
// the lower-cased text (a MATCH on a quoted phrase) or that wait in its
// queue. It returns "" when the index cannot help: on PostgreSQL (whose
// trigram indexes serve the exact test itself), for text shorter than 3
// characters (a trigram index cannot look up less), or when the search
// table cannot be had. A table made before search tables existed gets one
// here, in its own short transaction that queues every record; a queue
// not empty starts the indexer in the background.
func (s *Service) SearchCandidates(ctx context.Context, t *Table, text string) (string, []any) {
	folded := strings.ToLower(text)
	if s.db.Engine != storage.SQLite || utf8.RuneCountInString(folded) < MinIndexedSearch {
		return "", nil
	}
	phys := t.PhysicalName
	if _, ok := s.ftsReady.Load(phys); !ok {
		st, err := ftsLoad(ctx, s.db, phys)
		if err == nil && !st.exists {
			err = s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				cur, err := s.GetTable(ctx, tx, t.ID)
				if err != nil {
					return err
				}
				if err := s.ftsSync(ctx, tx, cur, false); err != nil {
					return err
				}
				st, err = ftsLoad(ctx, tx, phys)
				return err
			})
		}
		if err != nil || !st.exists {
			if err != nil {
				slog.WarnContext(ctx, "search runs without its index", "table", t.ID, "err", err)
			}
			return "", nil
		}
		s.ftsReady.Store(phys, true)
	}
	fts, todo := quote(ftsTable(phys)), quote(ftsTodo(phys))
	var waiting bool
	if err := s.db.NewRaw("SELECT EXISTS (SELECT 1 FROM "+todo+")").Scan(ctx, &waiting); err == nil && waiting {
		s.indexInBackground(ctx, t.ID)
	}
	return "(seq IN (SELECT rowid FROM " + fts + " WHERE " + fts + " MATCH ?) OR seq IN (SELECT seq FROM " + todo + "))",
		[]any{`"` + strings.ReplaceAll(folded, `"`, `""`) + `"`}
}

// MinIndexedSearch is the shortest search text, in characters, a trigram
// index can look up.
const MinIndexedSearch = 3

// indexInBackground runs IndexSearch for the table in a goroutine, unless
// one runs for it already; failures are logged (the queued records stay
// candidates of every search, so results stay right).
func (s *Service) indexInBackground(ctx context.Context, tableID string) {
	if _, running := s.ftsIndexing.LoadOrStore(tableID, true); running {
		return
	}
	ctx = context.WithoutCancel(ctx)
	go func() {
		defer s.ftsIndexing.Delete(tableID)
		if n, err := s.IndexSearch(ctx, tableID); err != nil {
			slog.WarnContext(ctx, "search indexing stopped", "table", tableID, "indexed", n, "err", err)
		}
	}()
}
