package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// serverBin is the server binary built once for the tests.
var serverBin string

func TestMain(m *testing.M) {
	// The bare baseline server is this binary again.
	if file := os.Getenv(bareEnv); file != "" {
		if err := runBare(file); err != nil {
			fmt.Fprintln(os.Stderr, "bare server:", err)
			os.Exit(1)
		}
		return
	}
	dir, err := os.MkdirTemp("", "pyairtable-bench-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	serverBin, err = buildServer(context.Background(), dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// smallConfig is the suite at a size that only proves it works.
func smallConfig(engine string) Config {
	cfg := DefaultConfig()
	cfg.Engine = engine
	cfg.PostgresURL = envOr("PYAIRTABLE_TEST_POSTGRES_URL", cfg.PostgresURL)
	cfg.Records, cfg.Batch, cfg.Big, cfg.Upserts = 2000, 500, 8000, 1000
	cfg.GetRequests, cfg.QueryIters, cfg.SlowIters = 500, 30, 5
	cfg.ServerBin = serverBin
	return cfg
}

// wantFigures are the figures every run reports.
var wantFigures = []string{
	"bulk_create", "get_rps", "get_p50", "get_p99", "upsert", "big_load",
	"grid_noindex_p50", "grid_noindex_p99", "filter_p50", "filter_p99",
	"grid_p50", "grid_p99", "grid_deep_p50", "grid_deep_p99", "count_p50", "count_p99", "peak_rss",
}

// TestSuiteSmall runs the whole suite at a small size on each engine and
// checks that every figure and every baseline is there, and that the
// results file says how they were made.
func TestSuiteSmall(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			cfg := smallConfig(engine)
			cfg.Progress = testWriter{t}
			res, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			want := wantFigures
			if engine == "postgres" {
				want = append(want, "bulk_raw_nosearch")
			}
			for _, key := range want {
				f, ok := res.Figure(key)
				if !ok {
					t.Errorf("figure %s is missing", key)
					continue
				}
				if !(f.Value > 0) {
					t.Errorf("%s = %v %s; want a positive figure", key, f.Value, f.Unit)
				}
				if f.BaselineName != "" && (!(f.Baseline > 0) || !(f.Ratio > 0)) {
					t.Errorf("%s: baseline %s = %v, ratio %v; want positive", key, f.BaselineName, f.Baseline, f.Ratio)
				}
				if f.Goal != "" && f.Pass == nil {
					t.Errorf("%s has a goal but no verdict", key)
				}
			}
			for _, key := range []string{"bulk_create", "get_rps", "upsert", "grid_p50", "grid_noindex_p50", "filter_p50", "count_p50"} {
				if f, _ := res.Figure(key); f.BaselineName == "" {
					t.Errorf("%s ran without its baseline", key)
				}
			}
			for _, want := range []string{"raw rows read back", "grid query, no index:", "upsert: the API created", "unindexed filter:", "grid query:", "grid query page"} {
				found := false
				for _, c := range res.Checks {
					found = found || strings.Contains(c, want)
				}
				if !found {
					t.Errorf("no check %q in %q", want, res.Checks)
				}
			}
			doc := res.Markdown()
			out := filepath.Join(t.TempDir(), "RESULTS-"+engine+".md")
			if err := os.WriteFile(out, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"| Machine |", "| Database | " + map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[engine],
				"| Redis |", "| Protocol | Connect protocol, binary protobuf", "| Concurrency |", "| measure | figure | baseline | ratio | goal | result |",
				"raw pgx CopyFrom"} {
				if engine == "sqlite" && want == "raw pgx CopyFrom" {
					want = "raw multi-row INSERT"
				}
				if !strings.Contains(doc, want) {
					t.Errorf("the results lack %q:\n%s", want, doc)
				}
			}
			t.Log("\n" + res.Table())
		})
	}
}

// TestConfigFlags checks that the command line a results file shows
// reproduces the configuration.
func TestConfigFlags(t *testing.T) {
	cfg := smallConfig("sqlite")
	cfg.Redis, cfg.HTTP, cfg.Gzip = true, "h2c", false
	got, _, err := parseFlags(cfg.Flags(), testWriter{t})
	if err != nil {
		t.Fatal(err)
	}
	got.ServerBin, got.Progress = cfg.ServerBin, cfg.Progress
	if fmt.Sprint(got) != fmt.Sprint(cfg) {
		t.Fatalf("flags %q give\n%+v\nwant\n%+v", cfg.Flags(), got, cfg)
	}
	if _, _, err := parseFlags([]string{"-batch", "1001"}, testWriter{t}); err == nil {
		t.Fatal("a batch of 1001 was accepted")
	}
}

// TestRowsAreDeterministic checks that a row depends on the seed and its
// number only, is about 1 KB, and that a variant keeps the upsert key.
func TestRowsAreDeterministic(t *testing.T) {
	g := gen{seed: 7}
	a, b := g.row(42, 0), g.row(42, 0)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("the same row differs between calls")
	}
	if fmt.Sprint(a) == fmt.Sprint(g.row(43, 0)) || fmt.Sprint(a) == fmt.Sprint(gen{seed: 8}.row(42, 0)) {
		t.Fatal("different rows or seeds give the same row")
	}
	v := g.row(42, 1)
	if v.Email != a.Email || v.Notes == a.Notes {
		t.Fatalf("a variant should keep the email and change the rest: %q %q", v.Email, a.Email)
	}
	size := len(a.Name) + len(a.Notes) + len(a.Email) + 10 + 8*4 + 30
	if size < 700 || size > 1300 {
		t.Fatalf("a row holds about %d bytes; want about 1 KB", size)
	}
	if len(a.input()) < 9 || len(a.stored("postgres", map[string]map[string]string{})) != len(fieldOrder) {
		t.Fatal("a row's encodings lack fields")
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
