package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// buildServer builds the server binary (without the race detector) into dir.
func buildServer(ctx context.Context, dir string) (string, error) {
	return goBuild(ctx, "", filepath.Join(dir, "pyairtable"))
}

// buildServerAt builds the server of a git commit, from a clean export of
// it (git archive) into dir, so uncommitted work in the checkout does not
// count. It returns the binary and the commit's full hash.
func buildServerAt(ctx context.Context, dir, rev string) (string, string, error) {
	out, err := exec.CommandContext(ctx, "git", "rev-parse", "--verify", rev+"^{commit}").Output()
	if err != nil {
		return "", "", fmt.Errorf("git rev-parse %s: %w", rev, err)
	}
	commit := strings.TrimSpace(string(out))
	src := filepath.Join(dir, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", "", err
	}
	var errb bytes.Buffer
	archive := exec.CommandContext(ctx, "sh", "-c", `git archive "$1" | tar -x -C "$2"`, "sh", commit, src)
	archive.Stderr = &errb
	if err := archive.Run(); err != nil {
		return "", "", fmt.Errorf("git archive %s: %v\n%s", rev, err, errb.String())
	}
	bin, err := goBuild(ctx, src, filepath.Join(dir, "pyairtable"))
	return bin, commit, err
}

// goBuild builds ./server/cmd/pyairtable of the module in dir ("" for
// the current one) into bin.
func goBuild(ctx context.Context, dir, bin string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/pyairtable/pyairtable/server/cmd/pyairtable")
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build the server: %v\n%s", err, out.String())
	}
	return bin, nil
}

// database is the fresh database a run uses.
type database struct {
	// url is what the server is given (PYAIRTABLE_DATABASE_URL).
	url string
	// sqlitePath is the SQLite file; empty on PostgreSQL.
	sqlitePath string
	// drop removes the database.
	drop func()
}

// newDatabase makes an empty database: a new PostgreSQL database (named
// pyairtable_bench_<time>) on the server at adminURL, or a SQLite file in
// dir.
func newDatabase(ctx context.Context, engine, adminURL, dir string) (*database, error) {
	if engine == "sqlite" {
		p := filepath.Join(dir, "bench.db")
		return &database{url: "sqlite:" + p, sqlitePath: p, drop: func() {}}, nil
	}
	name := fmt.Sprintf("pyairtable_bench_%d", time.Now().UnixNano())
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, fmt.Errorf("PostgreSQL at %s: create database: %w", adminURL, err)
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return nil, err
	}
	u.Path = "/" + name
	return &database{url: u.String(), drop: func() {
		admin, err := sql.Open("pgx", adminURL)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	}}, nil
}

// server is a running server process.
type server struct {
	cmd    *exec.Cmd
	url    string
	pid    int
	exited chan struct{}

	mu      sync.Mutex
	tail    []string // the last lines of its log
	peakRSS int64    // highest VmRSS sampled, in KiB
	samples int
}

// serverEnv is the server's environment: this process's without any
// PYAIRTABLE_ setting, plus env.
func serverEnv(env map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PYAIRTABLE_") {
			out = append(out, kv)
		}
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// createToken runs `pyairtable token create` against the database and
// returns the token.
func createToken(ctx context.Context, bin string, env map[string]string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, "token", "create", "--email", "bench@example.com", "--name", "bench")
	cmd.Env = serverEnv(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("token create: %v\n%s", err, stderr.String())
	}
	return strings.TrimSpace(stdout.String()), nil
}

// startServer starts the server on a free local port with JSON logs and
// waits until it listens. Its memory is sampled every 100 ms until it
// exits.
func startServer(ctx context.Context, bin string, env map[string]string) (*server, error) {
	env["PYAIRTABLE_ADDR"] = "127.0.0.1:0"
	env["PYAIRTABLE_LOG_FORMAT"] = "json"
	cmd := exec.Command(bin, "serve")
	cmd.Env = serverEnv(env)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, pid: cmd.Process.Pid, exited: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			if s.tail = append(s.tail, line); len(s.tail) > 40 {
				s.tail = s.tail[1:]
			}
			s.mu.Unlock()
			var m map[string]any
			if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "pyairtable listening" {
				if a, _ := m["addr"].(string); a != "" {
					select {
					case addr <- a:
					default:
					}
				}
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		_ = cmd.Wait()
		close(s.exited)
	}()
	go s.sample()
	select {
	case a := <-addr:
		s.url = "http://" + a
		return s, nil
	case <-s.exited:
		return nil, fmt.Errorf("the server exited before listening:\n%s", s.log())
	case <-time.After(60 * time.Second):
		s.stop()
		return nil, fmt.Errorf("the server did not listen within 60s:\n%s", s.log())
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

// log returns the last lines the server wrote.
func (s *server) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.tail, "\n")
}

// sample records the server's resident memory every 100 ms.
func (s *server) sample() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.exited:
			return
		case <-t.C:
			if rss, _, err := procMemory(s.pid); err == nil {
				s.mu.Lock()
				s.samples++
				s.peakRSS = max(s.peakRSS, rss)
				s.mu.Unlock()
			}
		}
	}
}

// memory returns the peak resident memory in KiB: the kernel's high-water
// mark (VmHWM) and the highest sampled VmRSS.
func (s *server) memory() (hwm, sampled int64, samples int, err error) {
	_, hwm, err = procMemory(s.pid)
	s.mu.Lock()
	defer s.mu.Unlock()
	return hwm, s.peakRSS, s.samples, err
}

// stop ends the server (SIGTERM, then SIGKILL after 20 s).
func (s *server) stop() {
	if s == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// procMemory reads VmRSS and VmHWM (KiB) of a process from /proc.
func procMemory(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = n
		case "VmHWM":
			hwm = n
		}
	}
	if hwm == 0 {
		return 0, 0, errors.New("no VmHWM in /proc status")
	}
	return rss, hwm, nil
}
