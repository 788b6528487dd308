package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Figure is one measured figure beside its baseline from the same run.
type Figure struct {
	// Key names the figure for programs (such as "bulk_create").
	Key string
	// Name says what was measured.
	Name string
	// Value is the figure, in Unit.
	Value float64
	Unit  string
	// Baseline is the same measure of the baseline (BaselineName), in
	// Unit; 0 when the figure has none.
	Baseline     float64
	BaselineName string
	// Ratio is Value / Baseline; 0 without a baseline.
	Ratio float64
	// Goal is the published goal, if any, and Pass whether it was met (nil:
	// no goal).
	Goal string
	Pass *bool
	// Detail is a further note.
	Detail string
}

// Results are a run's configuration, environment and figures.
type Results struct {
	Config Config
	// Date is when the run started.
	Date time.Time
	// Commit is the git commit of the checkout ("+dirty" with uncommitted
	// changes); Server says which code the server was built from.
	Commit, Server string
	// CPU, Cores, MemoryMB, OS and GoVersion describe the machine;
	// Database the engine's version.
	CPU, OS, GoVersion, Database string
	Cores                        int
	MemoryMB                     int64
	// Figures in the order measured.
	Figures []Figure
	// Checks are what the run checked besides timing (such as the API
	// and the hand-written SQL finding the same records).
	Checks []string
	// RecordBytes is the size of one record in a GetRecordResponse.
	RecordBytes int
	// IndexBuild is how long the grid query's index took to build.
	IndexBuild time.Duration
	// Duration is how long the run took.
	Duration time.Duration
	// LoadStart and LoadEnd are the machine's load averages (1, 5 and 15
	// minutes, /proc/loadavg) when the run started and ended: other work
	// on the machine takes cores from the run.
	LoadStart, LoadEnd string
}

func newResults(cfg Config) *Results {
	return &Results{Config: cfg, Date: time.Now().UTC(), GoVersion: runtime.Version(), Cores: runtime.NumCPU(), LoadStart: loadAverage()}
}

// loadAverage returns the 1, 5 and 15 minute load averages of the machine.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func (r *Results) add(f Figure) { r.Figures = append(r.Figures, f) }

func (r *Results) check(what string) { r.Checks = append(r.Checks, what) }

// Figure returns the figure with the key; ok is false if there is none.
func (r *Results) Figure(key string) (Figure, bool) {
	for _, f := range r.Figures {
		if f.Key == key {
			return f, true
		}
	}
	return Figure{}, false
}

// describe records the machine, the database version and the commit.
func (r *Results) describe(ctx context.Context, raw *rawDB) error {
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				r.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			var kb int64
			if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
				r.MemoryMB = kb / 1024
			}
		}
	}
	r.OS = runtime.GOOS + "/" + runtime.GOARCH
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
				r.OS = strings.Trim(v, `"`) + " (" + r.OS + ")"
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		r.OS += ", Linux " + strings.TrimSpace(string(b))
	}
	if out, err := exec.CommandContext(ctx, "git", "rev-parse", "--short=12", "HEAD").Output(); err == nil {
		r.Commit = strings.TrimSpace(string(out))
		if st, err := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
			r.Commit += "+dirty"
		}
	}
	var v string
	q := "SELECT 'PostgreSQL ' || current_setting('server_version')"
	if r.Config.Engine == "sqlite" {
		q = "SELECT 'SQLite ' || sqlite_version() || ' (modernc.org/sqlite, WAL, synchronous NORMAL)'"
	}
	if err := raw.queryRow(ctx, q, nil, &v); err != nil {
		return fmt.Errorf("database version: %w", err)
	}
	r.Database = v
	return nil
}

// memory records the server's peak resident memory.
func (r *Results) memory(hwmKB, sampledKB int64, samples int) {
	mb := float64(hwmKB) / 1024
	r.add(Figure{Key: "peak_rss", Name: "Server peak memory (RSS, kernel high-water mark VmHWM)", Value: mb, Unit: "MB",
		Goal: "< 300 MB", Pass: ptr(mb < 300),
		Detail: fmt.Sprintf("highest VmRSS of %d samples taken every 100 ms: %.0f MB", samples, float64(sampledKB)/1024)})
}

// Passed tells whether every goal was met.
func (r *Results) Passed() bool {
	for _, f := range r.Figures {
		if f.Pass != nil && !*f.Pass {
			return false
		}
	}
	return true
}

// Markdown is the results as a document: configuration, machine, the
// table of figures and the checks.
func (r *Results) Markdown() string {
	c := r.Config
	var b strings.Builder
	fmt.Fprintf(&b, "# Records benchmark: %s\n\n", engineName(c.Engine))
	fmt.Fprintf(&b, "Produced by `go run ./bench %s` on %s.\n\n", strings.Join(c.Flags(), " "), r.Date.Format("2006-01-02 15:04 MST"))
	b.WriteString("## Configuration\n\n")
	row := func(k, v string) { fmt.Fprintf(&b, "| %s | %s |\n", k, v) }
	b.WriteString("| | |\n|---|---|\n")
	row("Commit", r.Commit)
	row("Server binary", r.Server)
	row("Machine", fmt.Sprintf("%s, %d cores, %s MB memory", r.CPU, r.Cores, num(int(r.MemoryMB))))
	row("OS", r.OS)
	row("Go", r.GoVersion)
	row("Database", r.Database)
	redis := "no (in-process cache)"
	if c.Redis {
		redis = "yes (" + c.RedisURL + ")"
	}
	row("Redis", redis)
	proto := "Connect protocol, binary protobuf, HTTP/1.1 (one keep-alive connection per client)"
	if c.HTTP == "h2c" {
		proto = "Connect protocol, binary protobuf, HTTP/2 cleartext (h2c, one connection)"
	}
	if c.Gzip {
		proto += "; clients accept gzip (connect's default), so responses are gzipped"
	} else {
		proto += "; no compression"
	}
	row("Protocol", proto)
	row("Concurrency", fmt.Sprintf("writes %d clients, get by id %d clients, queries %d client(s) (latency goals), grid query under load %d clients", c.WriteClients, c.GetClients, c.QueryClients, c.LoadClients))
	row("Sizes", fmt.Sprintf("bulk %s records in batches of %d; upsert %s; query table %s records (loaded %s); %s get calls; %s calls per indexed query, %s per unindexed one and per count",
		num(c.Records), c.Batch, num(c.Upserts), num(c.Big), map[string]string{"api": "through the API", "raw": "directly into the database"}[c.BigLoad],
		num(c.GetRequests), num(c.QueryIters), num(c.SlowIters)))
	row("Rows", fmt.Sprintf("10 fields (single line text ~40 chars, long text ~600, single select of 5, integer, decimal, checkbox, date, email (unique), multiple selects of 8, integer sort key), seed %d; one record is %s bytes in a GetRecordResponse", c.Seed, num(r.RecordBytes)))
	row("Server", "PYAIRTABLE_RATE_LIMIT=0, other settings default (log level info: one log line per call)")
	row("Placement", "client, server and database on the same machine, sharing its cores")
	row("Load average", fmt.Sprintf("%s at the start, %s at the end (1, 5, 15 min; above the core count, other work shared the machine)", r.LoadStart, r.LoadEnd))
	if r.IndexBuild > 0 {
		row("Index build", fmt.Sprintf("%s, %s, %s on %s records: %s (through the API, waited for)", fStatus, fActive, fRank, num(c.Big), r.IndexBuild.Round(time.Millisecond)))
	}
	row("Run time", r.Duration.Round(time.Second).String())
	b.WriteString("\n## Figures\n\n")
	b.WriteString(r.Table())
	if len(r.Checks) > 0 {
		b.WriteString("\n## Checks\n\n")
		for _, ch := range r.Checks {
			fmt.Fprintf(&b, "- %s\n", ch)
		}
	}
	b.WriteString("\nLatencies are per call as the client saw it, nearest-rank percentiles; throughput is items over wall-clock time. " +
		"Every measurement, API and baseline alike, is preceded by a few untimed calls. The query table is ANALYZEd after loading, " +
		"as autovacuum would, so both sides plan on the same statistics.\n")
	return b.String()
}

// Table is the figures as a Markdown table: figure | baseline | ratio |
// goal | result.
func (r *Results) Table() string {
	var b strings.Builder
	b.WriteString("| measure | figure | baseline | ratio | goal | result |\n|---|---:|---:|---:|---|---|\n")
	for _, f := range r.Figures {
		base, ratio := "—", "—"
		if f.BaselineName != "" {
			base = fmt.Sprintf("%s: %s", f.BaselineName, value(f.Baseline, f.Unit))
			ratio = fmt.Sprintf("%.2f", f.Ratio)
		}
		goal, result := "—", "—"
		if f.Goal != "" {
			goal = f.Goal
		}
		if f.Pass != nil {
			result = "**FAIL**"
			if *f.Pass {
				result = "pass"
			}
		}
		name := f.Name
		if f.Detail != "" {
			name += " (" + f.Detail + ")"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", name, value(f.Value, f.Unit), base, ratio, goal, result)
	}
	return b.String()
}

func value(v float64, unit string) string {
	switch {
	case unit == "ms":
		return fmt.Sprintf("%.2f ms", v)
	case unit == "MB":
		return fmt.Sprintf("%.0f MB", v)
	default:
		return num(int(v+0.5)) + " " + unit
	}
}

func engineName(e string) string {
	if e == "sqlite" {
		return "SQLite"
	}
	return "PostgreSQL"
}
