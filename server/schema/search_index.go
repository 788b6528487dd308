package schema

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

// The search tables' indexer and their use by search (see
// search_table.go).

// pgSearchBatch is how many queued records a PostgreSQL indexing
// transaction takes.
const pgSearchBatch = 500

// IndexSearch brings a table's search table up to date: it indexes the
// queued records, a batch per transaction, until the queue is empty, and
// returns how many it took. On PostgreSQL it leaves the batches another
// indexer holds to that indexer.
func (s *Service) IndexSearch(ctx context.Context, tableID string) (int, error) {
	total := 0
	for {
		n, err := s.indexSearchBatch(ctx, tableID)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// indexSearchBatch indexes a batch of a table's queued records in one
// transaction: the text of the columns the triggers follow, as they stand
// in that transaction.
func (s *Service) indexSearchBatch(ctx context.Context, tableID string) (int, error) {
	n := 0
	err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if s.db.Engine == storage.Postgres {
			// As record writes do: no schema change commits meanwhile, so
			// the columns read below stay the ones the triggers follow.
			if _, err := tx.ExecContext(ctx, "SELECT 1 FROM user_tables WHERE id = ? FOR KEY SHARE", tableID); err != nil {
				return apperr.Wrap(err, "lock table")
			}
		}
		t, err := s.GetTable(ctx, tx, tableID)
		if err != nil {
			return err
		}
		st, err := s.searchLoad(ctx, tx, t)
		if err != nil || !st.exists {
			return err
		}
		if s.db.Engine == storage.Postgres {
			n, err = pgIndexSearchBatch(ctx, tx, t, st, pgSearchBatch)
		} else {
			n, err = ftsIndexBatch(ctx, tx, t.PhysicalName, st)
		}
		return err
	})
	return n, err
}

// SearchCandidates returns a condition on seq that narrows a search for
// text (trimmed) to the records that may contain it, for the exact test
// to follow: those whose row in the table's search table holds the
// lower-cased text, or that wait in its queue. It returns "" when the
// index cannot help: for text shorter than MinIndexedSearch characters (a
// trigram index cannot look up less), or when the search table cannot be
// had (PostgreSQL without pg_trgm). t must come from Table or GetTable. A
// table made before search tables existed gets one here, in its own short
// transaction that queues every record; a queue not empty starts the
// indexer in the background.
func (s *Service) SearchCandidates(ctx context.Context, t *Table, text string) (string, []any) {
	if utf8.RuneCountInString(strings.ToLower(text)) < MinIndexedSearch {
		return "", nil
	}
	key := t.Qualified(s.db.Engine)
	if _, ok := s.searchReady.Load(key); !ok {
		st, err := s.searchLoad(ctx, s.db, t)
		if err == nil && !st.exists {
			err = s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				// As a schema change: no other change of the columns (nor
				// another first search) commits between reading them and
				// making the triggers follow them.
				if err := s.LockForChange(ctx, tx, t.ID); err != nil {
					return err
				}
				cur, err := s.GetTable(ctx, tx, t.ID)
				if err != nil {
					return err
				}
				if err := s.searchSync(ctx, tx, cur, false); err != nil {
					return err
				}
				st, err = s.searchLoad(ctx, tx, cur)
				return err
			})
		}
		if err != nil || !st.exists {
			if err != nil {
				slog.WarnContext(ctx, "search runs without its index", "table", t.ID, "err", err)
			}
			return "", nil
		}
		s.searchReady.Store(key, true)
	}
	var side, todo, match string
	var arg any
	if s.db.Engine == storage.Postgres {
		n := pgSearchNamesOf(t)
		side, todo = n.side, n.todo
		match = "SELECT seq FROM " + side + ` WHERE body LIKE lower(?) ESCAPE '\'`
		arg = "%" + EscapeLike(text) + "%"
	} else {
		side, todo = quote(ftsTable(t.PhysicalName)), quote(ftsTodo(t.PhysicalName))
		match = "SELECT rowid FROM " + side + " WHERE " + side + " MATCH ?"
		arg = `"` + strings.ReplaceAll(strings.ToLower(text), `"`, `""`) + `"`
	}
	var waiting bool
	if err := s.db.NewRaw("SELECT EXISTS (SELECT 1 FROM "+todo+")").Scan(ctx, &waiting); err == nil && waiting {
		s.indexInBackground(t.ID)
	}
	if s.db.Engine == storage.Postgres {
		// The candidates are gathered first (an InitPlan), then fetched
		// by seq: left to join, the planner, which cannot tell how many
		// records the queue holds, may scan the whole table instead.
		return "seq = ANY(ARRAY(" + match + " UNION ALL SELECT seq FROM " + todo + "))", []any{arg}
	}
	return "(seq IN (" + match + ") OR seq IN (SELECT seq FROM " + todo + "))", []any{arg}
}

// EscapeLike escapes LIKE's wildcards (and the escape character, '\') in
// s.
func EscapeLike(s string) string { return likeEscaper.Replace(s) }

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// MinIndexedSearch is the shortest search text, in characters, a trigram
// index can look up.
const MinIndexedSearch = 3

// Search indexing after writes (see IndexAfterWrites).
type searchKicks struct {
	mu       sync.Mutex
	quiet    time.Duration // 0: off
	maxDelay time.Duration
	closed   bool
	due      map[string]*searchKick // table id -> its pending start
	running  sync.Map               // table ids whose queue is being indexed
	wg       sync.WaitGroup         // running indexers
	ctx      context.Context        // ended by Close
	cancel   context.CancelFunc
}

type searchKick struct {
	first time.Time
	timer *time.Timer
}

// Default delays of IndexAfterWrites.
const (
	// SearchQuiet is how long a table's writes pause before its new
	// records are indexed for search.
	SearchQuiet = time.Second
	// MaxSearchDelay is the longest a record waits to be indexed while
	// writes go on.
	MaxSearchDelay = 30 * time.Second
)

// IndexAfterWrites has record writes start the search indexer in the
// background once their table's writes pause for quiet, or at the latest
// maxDelay after the first of them. Off (0) by default: then only searches
// start it. Close stops it.
func (s *Service) IndexAfterWrites(quiet, maxDelay time.Duration) {
	s.kicks.mu.Lock()
	defer s.kicks.mu.Unlock()
	s.kicks.quiet, s.kicks.maxDelay = quiet, maxDelay
}

// searchWritten notes a committed (or rolled back) record write to a
// table, for IndexAfterWrites.
func (s *Service) searchWritten(tableID string) {
	k := &s.kicks
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.quiet <= 0 || k.closed {
		return
	}
	if d := k.due[tableID]; d != nil {
		// Stop fails once the timer has fired: its callback, waiting for
		// the lock, starts the indexer and a later write makes a new kick.
		if time.Since(d.first)+k.quiet <= k.maxDelay && d.timer.Stop() {
			d.timer.Reset(k.quiet)
		}
		return
	}
	if k.due == nil {
		k.due = map[string]*searchKick{}
	}
	kick := &searchKick{first: time.Now()}
	kick.timer = time.AfterFunc(k.quiet, func() {
		k.mu.Lock()
		if k.due[tableID] == kick { // not a later kick's
			delete(k.due, tableID)
		}
		k.mu.Unlock()
		s.indexInBackground(tableID)
	})
	k.due[tableID] = kick
}

// maxIndexers is how many tables this process indexes for search at once.
const maxIndexers = 2

// searchIndexers holds a token per running indexer.
var searchIndexers = make(chan struct{}, maxIndexers)

// indexInBackground runs IndexSearch for the table in a goroutine, unless
// one runs for it already; failures are logged (the queued records stay
// candidates of every search, so results stay right).
func (s *Service) indexInBackground(tableID string) {
	k := &s.kicks
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.closed {
		return
	}
	if _, running := k.running.LoadOrStore(tableID, true); running {
		return
	}
	if k.ctx == nil {
		k.ctx, k.cancel = context.WithCancel(context.Background())
	}
	ctx := k.ctx
	k.wg.Add(1)
	go func() {
		defer k.wg.Done()
		defer k.running.Delete(tableID)
		// At most maxIndexers tables are indexed at once, so indexing
		// never takes many of the database connections requests need.
		select {
		case searchIndexers <- struct{}{}:
			defer func() { <-searchIndexers }()
		case <-ctx.Done():
			return
		}
		if n, err := s.IndexSearch(ctx, tableID); err != nil && ctx.Err() == nil {
			slog.WarnContext(ctx, "search indexing stopped", "table", tableID, "indexed", n, "err", err)
		}
	}()
}

// Close stops search indexing: pending starts are dropped and running
// indexers end after their current batch (what they leave queued stays
// candidates of every search, and is indexed after the next write or
// search of its table).
func (s *Service) Close() {
	k := &s.kicks
	k.mu.Lock()
	k.closed = true
	for _, d := range k.due {
		d.timer.Stop()
	}
	k.due = nil
	if k.cancel != nil {
		k.cancel()
	}
	k.mu.Unlock()
	k.wg.Wait()
}
