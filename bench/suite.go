package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"connectrpc.com/connect"

	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
)

// Config is what a run measures, and how.
type Config struct {
	// Engine is "postgres" or "sqlite".
	Engine string
	// Redis gives the server Redis (RedisURL) as its cache.
	Redis    bool
	RedisURL string
	// PostgresURL is the PostgreSQL server a new database is made on.
	PostgresURL string
	// HTTP is "1.1" (HTTP/1.1, a connection per client) or "h2c" (HTTP/2
	// over cleartext, one connection).
	HTTP string
	// Gzip lets clients accept gzip responses (connect's default).
	Gzip bool

	// Records is the bulk-create size, in batches of Batch by WriteClients.
	Records, Batch, WriteClients int
	// GetClients make GetRequests GetRecord calls.
	GetClients, GetRequests int
	// Upserts is the upsert size (half updates, half new records).
	Upserts int
	// Big is the size of the query table, loaded by the API (or, with
	// BigLoad "raw", directly into the database).
	Big     int
	BigLoad string
	// QueryClients run QueryIters calls of each indexed query, SlowIters of
	// each unindexed one; DeepPage is the late page compared with the first.
	QueryClients, QueryIters, SlowIters, DeepPage int
	// LoadClients run the indexed grid query once more, at once, to show
	// it under load (no goal); at most QueryClients skips it.
	LoadClients int
	// Seed makes the data.
	Seed uint64
	// ServerBin is a server binary to use instead of building one.
	ServerBin string
	// Rev, when set, builds the server from a clean export of this git
	// commit instead of the working tree.
	Rev string
	// Keep leaves the PostgreSQL database in place.
	Keep bool
	// DebugAddr, when set, is the server's profiler address
	// (PYAIRTABLE_DEBUG_ADDR), for profiling a scenario while it runs.
	DebugAddr string
	// Progress receives progress lines; nil: none.
	Progress io.Writer
}

// DefaultConfig is the full size the published figures use.
func DefaultConfig() Config {
	return Config{
		Engine: "postgres", RedisURL: "redis://127.0.0.1:6379",
		PostgresURL: "postgres://root@127.0.0.1:5432/postgres?sslmode=disable",
		HTTP:        "1.1", Gzip: true,
		Records: 100_000, Batch: 1000, WriteClients: 4,
		GetClients: 16, GetRequests: 50_000,
		Upserts: 10_000,
		Big:     1_000_000, BigLoad: "api",
		QueryClients: 1, LoadClients: 4, QueryIters: 1000, SlowIters: 40, DeepPage: 500,
		Seed: 20260901,
	}
}

// suite is one run in progress.
type suite struct {
	cfg     Config
	srv     *server
	c       *clients
	raw     *rawDB
	gen     gen
	userID  string
	dir     string
	res     *Results
	started time.Time
}

func (s *suite) logf(format string, args ...any) {
	if s.cfg.Progress != nil {
		fmt.Fprintf(s.cfg.Progress, "[%6.1fs] %s\n", time.Since(s.started).Seconds(), fmt.Sprintf(format, args...))
	}
}

// Run builds and starts a server on a fresh database, runs every
// measurement with its baseline, and returns the results.
func Run(ctx context.Context, cfg Config) (*Results, error) {
	if cfg.Engine != "postgres" && cfg.Engine != "sqlite" {
		return nil, fmt.Errorf("engine %q: want postgres or sqlite", cfg.Engine)
	}
	if cfg.HTTP != "1.1" && cfg.HTTP != "h2c" {
		return nil, fmt.Errorf("http %q: want 1.1 or h2c", cfg.HTTP)
	}
	dir, err := os.MkdirTemp("", "pyairtable-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	s := &suite{cfg: cfg, dir: dir, gen: gen{seed: cfg.Seed}, started: time.Now(), res: newResults(cfg)}

	bin := cfg.ServerBin
	switch {
	case bin != "":
		s.res.Server = "given with -server-bin"
	case cfg.Rev != "":
		s.logf("building the server of %s", cfg.Rev)
		var commit string
		if bin, commit, err = buildServerAt(ctx, dir, cfg.Rev); err != nil {
			return nil, err
		}
		s.res.Server = "built from a clean export of commit " + commit
	default:
		s.logf("building the server")
		if bin, err = buildServer(ctx, dir); err != nil {
			return nil, err
		}
		s.res.Server = "built from the working tree"
	}
	db, err := newDatabase(ctx, cfg.Engine, cfg.PostgresURL, dir)
	if err != nil {
		return nil, err
	}
	if !cfg.Keep {
		defer db.drop()
	}
	env := map[string]string{
		"PYAIRTABLE_DATABASE_URL": db.url,
		// The benchmark's one token makes thousands of calls a second.
		"PYAIRTABLE_RATE_LIMIT": "0",
	}
	if cfg.DebugAddr != "" {
		env["PYAIRTABLE_DEBUG_ADDR"] = cfg.DebugAddr
	}
	if cfg.Redis {
		env["PYAIRTABLE_REDIS_URL"] = cfg.RedisURL
		env["PYAIRTABLE_REDIS_PREFIX"] = fmt.Sprintf("bench%d:", time.Now().UnixNano())
	}
	token, err := createToken(ctx, bin, env)
	if err != nil {
		return nil, err
	}
	s.logf("starting the server (%s)", cfg.Engine)
	if s.srv, err = startServer(ctx, bin, env); err != nil {
		return nil, err
	}
	defer s.srv.stop()
	hc := newHTTPClient(cfg.HTTP, max(cfg.GetClients, cfg.WriteClients, cfg.QueryClients))
	s.c = newClients(hc, s.srv.url, clientOptions(token, cfg.Gzip))
	u, err := s.c.users.GetCurrentUser(ctx, connect.NewRequest(&userv1.GetCurrentUserRequest{}))
	if err != nil {
		return nil, fmt.Errorf("GetCurrentUser: %w\n%s", err, s.srv.log())
	}
	s.userID = u.Msg.GetUser().GetId()
	if s.raw, err = openRaw(ctx, db, cfg.Engine, max(cfg.WriteClients, cfg.QueryClients)+1); err != nil {
		return nil, err
	}
	defer s.raw.close()
	if err := s.res.describe(ctx, s.raw); err != nil {
		return nil, err
	}
	if err := s.scenarios(ctx); err != nil {
		return s.res, fmt.Errorf("%w\nlast lines of the server's log:\n%s", err, s.srv.log())
	}
	hwm, sampled, n, err := s.srv.memory()
	if err != nil {
		return s.res, err
	}
	s.res.memory(hwm, sampled, n)
	s.res.Duration = time.Since(s.started)
	s.res.LoadEnd = loadAverage()
	s.logf("done")
	return s.res, nil
}
