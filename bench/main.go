// Command bench runs the records benchmark suite: it builds the server,
// starts it on a fresh SQLite or PostgreSQL database, drives it with the
// generated Connect clients, measures each figure beside a baseline from
// the same run (raw COPY, a bare connect handler, hand-written SQL), and
// prints a table (and writes it to -out). See bench/README.md.
//
//	go run ./bench -engine postgres -out bench/RESULTS-postgres.md
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
)

func main() {
	if file := os.Getenv(bareEnv); file != "" {
		if err := runBare(file); err != nil {
			fmt.Fprintln(os.Stderr, "bare server:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := mainErr(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func mainErr(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, out, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	cfg.Progress = stderr
	res, err := Run(ctx, cfg)
	if err != nil {
		return err
	}
	doc := res.Markdown()
	fmt.Fprintln(stdout, doc)
	if out != "" {
		if err := os.WriteFile(out, []byte(doc), 0o644); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "results written to", out)
	}
	if !res.Passed() {
		fmt.Fprintln(stderr, "some goals were not met (marked FAIL in the table)")
	}
	return nil
}

// parseFlags reads the command line into a Config and the results file.
func parseFlags(args []string, stderr io.Writer) (Config, string, error) {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Engine, "engine", cfg.Engine, "database: postgres or sqlite")
	fs.BoolVar(&cfg.Redis, "redis", cfg.Redis, "give the server Redis as its cache (at -redis-url)")
	fs.StringVar(&cfg.RedisURL, "redis-url", cfg.RedisURL, "Redis for -redis")
	fs.StringVar(&cfg.PostgresURL, "postgres-url", envOr("PYAIRTABLE_TEST_POSTGRES_URL", cfg.PostgresURL), "PostgreSQL server on which a new database is made (and dropped after)")
	fs.StringVar(&cfg.HTTP, "http", cfg.HTTP, "client transport: 1.1 (HTTP/1.1, a connection per client) or h2c (HTTP/2 cleartext)")
	fs.BoolVar(&cfg.Gzip, "gzip", cfg.Gzip, "clients accept gzip responses (connect's default)")
	fs.IntVar(&cfg.Records, "records", cfg.Records, "records to bulk create")
	fs.IntVar(&cfg.Batch, "batch", cfg.Batch, "records per write call (at most 1000)")
	fs.IntVar(&cfg.WriteClients, "write-clients", cfg.WriteClients, "concurrent clients of bulk create, upsert and the big load")
	fs.IntVar(&cfg.GetClients, "get-clients", cfg.GetClients, "concurrent clients of get by id")
	fs.IntVar(&cfg.GetRequests, "gets", cfg.GetRequests, "get by id calls (each side)")
	fs.IntVar(&cfg.Upserts, "upserts", cfg.Upserts, "records to upsert (half existing, half new)")
	fs.IntVar(&cfg.Big, "big", cfg.Big, "records in the query table")
	fs.StringVar(&cfg.BigLoad, "big-load", cfg.BigLoad, "load the query table through the api (measured) or raw (straight into the database)")
	fs.IntVar(&cfg.QueryClients, "query-clients", cfg.QueryClients, "concurrent clients of the queries whose latency has a goal")
	fs.IntVar(&cfg.LoadClients, "load-clients", cfg.LoadClients, "concurrent clients of the grid query under load (reported; at most -query-clients skips it)")
	fs.IntVar(&cfg.QueryIters, "query-iters", cfg.QueryIters, "calls of each indexed query (each side)")
	fs.IntVar(&cfg.SlowIters, "slow-iters", cfg.SlowIters, "calls of each unindexed query (each side)")
	fs.IntVar(&cfg.DeepPage, "deep-page", cfg.DeepPage, "the late page compared with the first")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the generated rows")
	fs.StringVar(&cfg.ServerBin, "server-bin", "", "server binary to run instead of building ./server/cmd/pyairtable")
	fs.StringVar(&cfg.Rev, "rev", "", "build the server from a clean export of this git commit (such as HEAD) instead of the working tree")
	fs.BoolVar(&cfg.Keep, "keep", false, "keep the PostgreSQL database after the run")
	fs.StringVar(&cfg.DebugAddr, "debug-addr", "", "serve the server's profiler here (e.g. 127.0.0.1:6060) to profile a scenario while it runs")
	out := fs.String("out", "", "write the results (Markdown) to this file")
	if err := fs.Parse(args); err != nil {
		return cfg, "", err
	}
	if fs.NArg() > 0 {
		return cfg, "", fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.Batch < 1 || cfg.Batch > 1000 || cfg.Records < 1 || cfg.Big < 1 || cfg.Upserts < 1 ||
		cfg.WriteClients < 1 || cfg.GetClients < 1 || cfg.QueryClients < 1 || cfg.GetRequests < 1 || cfg.QueryIters < 1 || cfg.SlowIters < 1 {
		return cfg, "", errors.New("sizes and client counts must be positive, and -batch at most 1000")
	}
	if cfg.BigLoad != "api" && cfg.BigLoad != "raw" {
		return cfg, "", fmt.Errorf("-big-load %q: want api or raw", cfg.BigLoad)
	}
	return cfg, *out, nil
}

// Flags is the command line that reproduces the configuration.
func (c Config) Flags() []string {
	d := DefaultConfig()
	out := []string{"-engine", c.Engine}
	if c.Redis {
		out = append(out, "-redis")
	}
	add := func(name string, v, def int) {
		if v != def {
			out = append(out, "-"+name, strconv.Itoa(v))
		}
	}
	add("records", c.Records, d.Records)
	add("batch", c.Batch, d.Batch)
	add("write-clients", c.WriteClients, d.WriteClients)
	add("get-clients", c.GetClients, d.GetClients)
	add("gets", c.GetRequests, d.GetRequests)
	add("upserts", c.Upserts, d.Upserts)
	add("big", c.Big, d.Big)
	add("query-clients", c.QueryClients, d.QueryClients)
	add("load-clients", c.LoadClients, d.LoadClients)
	add("query-iters", c.QueryIters, d.QueryIters)
	add("slow-iters", c.SlowIters, d.SlowIters)
	add("deep-page", c.DeepPage, d.DeepPage)
	if c.HTTP != d.HTTP {
		out = append(out, "-http", c.HTTP)
	}
	if !c.Gzip {
		out = append(out, "-gzip=false")
	}
	if c.BigLoad != d.BigLoad {
		out = append(out, "-big-load", c.BigLoad)
	}
	if c.Rev != "" {
		out = append(out, "-rev", c.Rev)
	}
	if c.Seed != d.Seed {
		out = append(out, "-seed", strconv.FormatUint(c.Seed, 10))
	}
	return out
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
