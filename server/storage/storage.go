// Package storage opens the metadata database (PostgreSQL or SQLite) through
// bun, runs the migrations and runs transactions the same way on both
// engines.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Engine names a database engine.
type Engine string

// The supported engines.
const (
	Postgres Engine = "postgres"
	SQLite   Engine = "sqlite"
)

// DefaultURL is the database used when none is configured: a SQLite file
// under ./data.
const DefaultURL = "sqlite:./data/pyairtable.db"

// DB is an open database.
type DB struct {
	*bun.DB
	// Engine is the engine behind the database.
	Engine Engine
	// writer is the turn of SQLite's one writer (see InTx); nil on
	// PostgreSQL.
	writer chan struct{}
	// prepareBound is true when statements with bound parameters are to
	// be prepared (see BoundArgs).
	prepareBound bool
}

// Open opens the database named by rawURL: "postgres://…" or
// "postgresql://…" selects PostgreSQL, "sqlite:PATH" (or "sqlite://PATH")
// selects SQLite, creating the file and its folder if needed. It checks
// the connection before it returns.
func Open(ctx context.Context, rawURL string) (*DB, error) {
	if rawURL == "" {
		rawURL = DefaultURL
	}
	var (
		db  *DB
		err error
	)
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		db, err = openPostgres(rawURL)
	case strings.HasPrefix(rawURL, "sqlite:"):
		db, err = openSQLite(rawURL)
	default:
		return nil, fmt.Errorf("database URL %q: want postgres://… or sqlite:PATH", redact(rawURL))
	}
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.ping(pingCtx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect to %s database %s: %w", db.Engine, redact(rawURL), err)
	}
	return db, nil
}

// maxPostgresConns is the most PostgreSQL connections a server holds.
const maxPostgresConns = 20

func openPostgres(rawURL string) (*DB, error) {
	connURL, prepareBound := withSimpleProtocol(rawURL)
	sqldb, err := sql.Open("pgx", connURL)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	// As many idle connections as open ones: with fewer, a burst of
	// concurrent calls closes the connections it opened as soon as each
	// call ends and opens new ones for the next burst, and a new
	// PostgreSQL connection costs the database a process fork and a few
	// milliseconds of CPU (measured: 16 concurrent GetRecord callers spent
	// most of the database's CPU on new connections with 10 idle). Idle
	// ones close after five minutes.
	sqldb.SetMaxOpenConns(maxPostgresConns)
	sqldb.SetMaxIdleConns(maxPostgresConns)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{DB: bun.NewDB(sqldb, pgdialect.New()), Engine: Postgres, prepareBound: prepareBound}, nil
}

// withSimpleProtocol makes the simple query protocol the default of a
// PostgreSQL URL, and says whether statements with bound parameters should
// then be prepared (BoundArgs). bun writes its arguments into the SQL
// text, so nearly every statement is new to the server: pgx's default mode
// would prepare each one (an extra round trip) and fill its statement
// cache with statements used once. A URL that names a query mode is left
// as it is, and nothing is prepared beyond what it asks for; one that
// turns the statement cache off (as behind PgBouncer in transaction mode)
// gets the simple protocol and no preparing.
func withSimpleProtocol(rawURL string) (string, bool) {
	if strings.Contains(rawURL, "default_query_exec_mode") {
		return rawURL, false
	}
	sep := "?"
	if strings.Contains(rawURL, "?") {
		sep = "&"
	}
	connURL := rawURL + sep + "default_query_exec_mode=simple_protocol"
	cfg, err := pgx.ParseConfig(connURL)
	return connURL, err == nil && cfg.StatementCacheCapacity > 0
}

// BoundArgs returns the arguments of a statement written with bound
// parameters ($1, $2, … on PostgreSQL; ? on SQLite) for database/sql.
// Such statements repeat with new values, so on PostgreSQL (unless the
// connection URL chose its own query mode) they ask pgx to prepare each
// once per connection.
func (db *DB) BoundArgs(args []any) []any {
	if !db.prepareBound {
		return args
	}
	return append([]any{pgx.QueryExecModeCacheStatement}, args...)
}

func openSQLite(rawURL string) (*DB, error) {
	path := strings.TrimPrefix(strings.TrimPrefix(rawURL, "sqlite:"), "//")
	if path == "" {
		return nil, errors.New("sqlite database URL needs a path, as sqlite:./data/pyairtable.db")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	q := url.Values{}
	// WAL lets readers run beside the writer; write transactions take the
	// write lock when they begin (IMMEDIATE), so concurrent writers wait for
	// each other (busy_timeout) instead of failing with SQLITE_BUSY later.
	// busy_timeout first: switching to WAL takes a lock, and a server
	// starting beside another must wait for it rather than fail.
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	sqldb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	sqldb.SetMaxOpenConns(8)
	sqldb.SetMaxIdleConns(8)
	return &DB{DB: bun.NewDB(sqldb, sqlitedialect.New()), Engine: SQLite, writer: make(chan struct{}, 1)}, nil
}

// ping checks the connection. A new SQLite database switching to WAL can
// answer SQLITE_BUSY at once, without waiting out busy_timeout, while
// another process opens it too; that is tried again until ctx ends.
func (db *DB) ping(ctx context.Context) error {
	for {
		err := db.PingContext(ctx)
		if err == nil || db.Engine != SQLite || !strings.Contains(err.Error(), "SQLITE_BUSY") {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// redact removes a password from a URL for messages and logs.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Redact removes a password from a database URL, for logs.
func Redact(raw string) string { return redact(raw) }

// InTx runs fn in a transaction and commits it when fn returns nil. On
// SQLite the transaction holds the write lock from its start, and this
// process's transactions take turns for it in the order they asked (see
// writerTurn); a transaction cannot begin inside another's fn there, as it
// would wait for the lock the outer one holds. Functions given to AfterTx
// with fn's context run once the transaction has ended, committed or
// rolled back (not when fn panics), after the turn is given up.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	h := &txHooks{}
	ctx = context.WithValue(ctx, txHooksKey{}, h)
	var mine *writerHeld
	if db.writer != nil {
		if outer, _ := ctx.Value(writerKey{}).(*writerHeld); outer == nil || !outer.active.Load() {
			mine = &writerHeld{release: db.writerTurn(ctx)}
			mine.active.Store(true)
			ctx = context.WithValue(ctx, writerKey{}, mine)
			defer mine.end() // also when fn panics
		}
	}
	err := db.RunInTx(ctx, nil, fn)
	if mine != nil {
		mine.end()
	}
	for _, f := range h.take() {
		f()
	}
	return err
}

// writerHeld is a turn to write that a transaction holds, marked in its
// context so that work inside it does not queue behind it.
type writerHeld struct {
	active  atomic.Bool
	once    sync.Once
	release func()
}

// end gives the turn up (once).
func (w *writerHeld) end() {
	w.once.Do(func() {
		w.active.Store(false)
		w.release()
	})
}

// writerWait bounds how long a transaction queues for its turn to write
// on SQLite; then it asks SQLite itself, whose busy timeout decides.
const writerWait = 10 * time.Second

type writerKey struct{}

// writerTurn waits for this process's turn to write to SQLite and returns
// the function that ends it. SQLite lets one transaction write at a time
// and has waiting writers poll for the lock, so under steady load a writer
// can miss every free moment until its busy timeout ends it; queued here,
// writers go in the order they came. Work inside a transaction that holds
// the turn does not queue again, and a transaction whose turn has not come
// after writerWait goes ahead (it then waits as SQLite's busy timeout
// allows).
func (db *DB) writerTurn(ctx context.Context) func() {
	t := time.NewTimer(writerWait)
	defer t.Stop()
	select {
	case db.writer <- struct{}{}:
		return func() { <-db.writer }
	case <-ctx.Done():
	case <-t.C:
	}
	return func() {}
}

// txHooks are the functions to run when a transaction of InTx ends.
type txHooks struct {
	mu  sync.Mutex
	fns []func()
}

type txHooksKey struct{}

func (h *txHooks) take() []func() {
	h.mu.Lock()
	defer h.mu.Unlock()
	fns := h.fns
	h.fns = nil
	return fns
}

// AfterTx arranges for f to run when the transaction of ctx (one begun by
// InTx) has ended, committed or rolled back. Outside such a transaction f
// never runs. Use it for side effects that must follow the commit, such as
// letting a cache fill again.
func AfterTx(ctx context.Context, f func()) {
	if h, ok := ctx.Value(txHooksKey{}).(*txHooks); ok {
		h.mu.Lock()
		h.fns = append(h.fns, f)
		h.mu.Unlock()
	}
}
