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
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect to %s database %s: %w", db.Engine, redact(rawURL), err)
	}
	return db, nil
}

func openPostgres(rawURL string) (*DB, error) {
	sqldb, err := sql.Open("pgx", withSimpleProtocol(rawURL))
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	sqldb.SetMaxOpenConns(20)
	sqldb.SetMaxIdleConns(10)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{DB: bun.NewDB(sqldb, pgdialect.New()), Engine: Postgres}, nil
}

// withSimpleProtocol makes the simple query protocol the default of a
// PostgreSQL connection string (unless it names a mode itself). bun writes
// its arguments into the SQL text, so nearly every statement is new to the
// server: the default mode would prepare each one (an extra round trip)
// and fill the statement cache with statements used once. Statements with
// bound parameters ask for preparation through BoundArgs.
func withSimpleProtocol(rawURL string) string {
	if strings.Contains(rawURL, "default_query_exec_mode") {
		return rawURL
	}
	if strings.HasPrefix(rawURL, "postgres://") || strings.HasPrefix(rawURL, "postgresql://") {
		sep := "?"
		if strings.Contains(rawURL, "?") {
			sep = "&"
		}
		return rawURL + sep + "default_query_exec_mode=simple_protocol"
	}
	return rawURL + " default_query_exec_mode=simple_protocol"
}

// BoundArgs returns the arguments of a statement written with bound
// parameters ($1, $2, … on PostgreSQL; ? on SQLite) for database/sql. On
// PostgreSQL they ask pgx to prepare the statement once per connection and
// bind the values in binary, since such statements repeat with new values.
func BoundArgs(engine Engine, args []any) []any {
	if engine != Postgres {
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
// writerTurn). Functions given to AfterTx with fn's context run once the
// transaction has ended, committed or not.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	if db.writer != nil && ctx.Value(writerKey{}) == nil {
		release := db.writerTurn(ctx)
		defer release()
		ctx = context.WithValue(ctx, writerKey{}, true)
	}
	h := &txHooks{}
	err := db.RunInTx(context.WithValue(ctx, txHooksKey{}, h), nil, fn)
	for _, f := range h.take() {
		f()
	}
	return err
}

// writerWait bounds how long a transaction queues for its turn to write
// on SQLite; then it asks SQLite itself, whose busy timeout decides.
const writerWait = 10 * time.Second

type writerKey struct{}

// writerTurn waits for this process's turn to write to SQLite and returns
// the function that ends it. SQLite lets one transaction write at a time
// and has waiting writers poll for the lock, so under steady load a writer
// can miss every free moment until its busy timeout ends it; queued here,
// writers go in the order they came. A transaction begun inside another's
// context (nested) does not queue, nor, after writerWait, does one whose
// turn does not come (it then waits as SQLite's busy timeout allows).
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
// InTx) has ended, committed or rolled back, and reports whether it could:
// false when ctx belongs to no such transaction. Use it for side effects
// that must follow the commit, such as letting a cache fill again.
func AfterTx(ctx context.Context, f func()) bool {
	h, ok := ctx.Value(txHooksKey{}).(*txHooks)
	if !ok {
		return false
	}
	h.mu.Lock()
	h.fns = append(h.fns, f)
	h.mu.Unlock()
	return true
}
