package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"

	commonv1 "github.com/pyairtable/pyairtable/gen/pyairtable/common/v1"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/servertest"
)

// binPath is the server binary built once for every test in this package.
var binPath string

// raceBuild is set when the tests run with the race detector; the binary
// under test is then built with it too.
var raceBuild bool

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pyairtable-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "temporary folder:", err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "pyairtable")
	args := []string{"build"}
	if raceBuild {
		args = append(args, "-race")
	}
	args = append(args, "-o", binPath, ".")
	build := exec.Command("go", args...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "go build:", err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

const (
	// startTimeout bounds how long a server may take to listen.
	startTimeout = 30 * time.Second
	// shutdownTimeout is the grace period every test server gets.
	shutdownTimeout = 5 * time.Second
	// exitTimeout bounds how long a server may take to exit once told to.
	exitTimeout = shutdownTimeout + 10*time.Second
)

// environ returns the environment of a child process: this process's
// environment without any PYAIRTABLE_ setting, plus env.
func environ(env map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PYAIRTABLE_") {
			out = append(out, kv)
		}
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, k+"="+env[k])
	}
	return out
}

// with returns a copy of env with the extra settings (pairs of name and
// value).
func with(env map[string]string, kv ...string) map[string]string {
	out := make(map[string]string, len(env)+len(kv)/2)
	for k, v := range env {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// sharedEnv is the configuration of servers that share one database and,
// when redis is true, one Redis with a key prefix of their own.
func sharedEnv(dbURL string, redis bool) map[string]string {
	env := map[string]string{"PYAIRTABLE_DATABASE_URL": dbURL}
	if redis {
		env["PYAIRTABLE_REDIS_URL"] = servertest.RedisURL()
		env["PYAIRTABLE_REDIS_PREFIX"] = "t" + ids.Random(10) + ":"
	}
	return env
}

// logLines keeps the lines a process wrote and wakes waiters on each one.
type logLines struct {
	mu      sync.Mutex
	lines   []string
	changed chan struct{}
}

func newLogLines() *logLines { return &logLines{changed: make(chan struct{})} }

func (l *logLines) add(line string) {
	l.mu.Lock()
	l.lines = append(l.lines, line)
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// find returns the first line that satisfies match, and a channel closed
// when a line is added.
func (l *logLines) find(match func(string) bool) (string, bool, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range l.lines {
		if match(line) {
			return line, true, l.changed
		}
	}
	return "", false, l.changed
}

// logEntry reads a JSON log line; ok is false for other lines.
func logEntry(line string) (map[string]any, bool) {
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		return nil, false
	}
	return m, true
}

// proc is a server process under test.
type proc struct {
	name string
	cmd  *exec.Cmd
	logs *logLines
	// addr is host:port once the server listens; url is http://addr.
	addr, url string
	addrCh    chan string
	exited    chan struct{}
	exitCode  int
	// wantExit is the exit code the cleanup expects.
	wantExit int
}

// launch starts a server process with env (plus a free local port, JSON
// logs and a short shutdown grace) without waiting for it to listen. Its
// stderr goes to the test log. When the test ends it gets SIGTERM and must
// exit with wantExit (0 unless changed).
func launch(t *testing.T, name string, env map[string]string) *proc {
	t.Helper()
	env = with(env,
		"PYAIRTABLE_ADDR", "127.0.0.1:0",
		"PYAIRTABLE_LOG_FORMAT", "json",
		"PYAIRTABLE_SHUTDOWN_TIMEOUT", shutdownTimeout.String())
	cmd := exec.Command(binPath, "serve")
	cmd.Env = environ(env)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{
		name: name, cmd: cmd, logs: newLogLines(),
		addrCh: make(chan string, 1), exited: make(chan struct{}),
	}
	go p.read(t, stderr)
	t.Cleanup(func() { p.stopAtEnd(t) })
	return p
}

// read copies the process's stderr to the test log until the process
// exits, then records its exit code.
func (p *proc) read(t *testing.T, stderr io.Reader) {
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		t.Logf("[%s] %s", p.name, line)
		p.logs.add(line)
		if m, ok := logEntry(line); ok && m["msg"] == "pyairtable listening" {
			if addr, _ := m["addr"].(string); addr != "" {
				select {
				case p.addrCh <- addr:
				default:
				}
			}
		}
	}
	_, _ = io.Copy(io.Discard, stderr)
	_ = p.cmd.Wait()
	p.exitCode = p.cmd.ProcessState.ExitCode()
	close(p.exited)
}

// ready waits until the server listens and records its address.
func (p *proc) ready(t *testing.T) *proc {
	t.Helper()
	select {
	case addr := <-p.addrCh:
		p.addr, p.url = addr, "http://"+addr
		return p
	case <-p.exited:
		t.Fatalf("server %s exited with code %d before listening (its log is above)", p.name, p.exitCode)
	case <-time.After(startTimeout):
		t.Fatalf("server %s did not listen within %v", p.name, startTimeout)
	}
	return nil
}

// startServer starts a server and waits until it listens.
func startServer(t *testing.T, name string, env map[string]string) *proc {
	t.Helper()
	return launch(t, name, env).ready(t)
}

// startServers starts several servers on the same configuration at once
// and waits until every one listens.
func startServers(t *testing.T, env map[string]string, names ...string) []*proc {
	t.Helper()
	ps := make([]*proc, len(names))
	for i, n := range names {
		ps[i] = launch(t, n, env)
	}
	for _, p := range ps {
		p.ready(t)
	}
	return ps
}

// signal sends sig to the process.
func (p *proc) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %s: %v", p.name, err)
	}
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.exitCode
	case <-time.After(timeout):
		t.Fatalf("server %s still running after %v", p.name, timeout)
		return -1
	}
}

// stopAtEnd terminates the process (unless it exited) and checks the exit
// code.
func (p *proc) stopAtEnd(t *testing.T) {
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(exitTimeout):
			t.Errorf("server %s did not exit within %v of SIGTERM; killing it", p.name, exitTimeout)
			_ = p.cmd.Process.Kill()
			<-p.exited
			return
		}
	}
	if p.exitCode != p.wantExit {
		t.Errorf("server %s exited with code %d; want %d", p.name, p.exitCode, p.wantExit)
	}
}

// waitLog waits until the process logs a line that satisfies match.
func (p *proc) waitLog(t *testing.T, what string, match func(string) bool) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		line, ok, changed := p.logs.find(match)
		if ok {
			return line
		}
		select {
		case <-changed:
		case <-p.exited:
			if line, ok, _ := p.logs.find(match); ok {
				return line
			}
			t.Fatalf("server %s exited without logging %s", p.name, what)
		case <-deadline:
			t.Fatalf("server %s did not log %s", p.name, what)
		}
	}
}

// clients returns Connect clients of the server sending token.
func (p *proc) clients(token string) servertest.Clients {
	return servertest.NewClients(p.url, servertest.ConnectJSON, token)
}

// runCLI runs an administration command and returns its stdout.
func runCLI(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	cmd.Env = environ(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if stderr.Len() > 0 {
		t.Logf("[pyairtable %s] stderr: %s", strings.Join(args, " "), strings.TrimRight(stderr.String(), "\n"))
	}
	if err != nil {
		t.Fatalf("pyairtable %s: %v", strings.Join(args, " "), err)
	}
	return stdout.String()
}

var tokenLine = regexp.MustCompile(`^pat[A-Za-z0-9]{14}\.[A-Za-z0-9]+$`)

// createToken runs `pyairtable token create` on the database and returns
// the token it prints, which must be its only output.
func createToken(t *testing.T, dbURL, email string) string {
	t.Helper()
	out := runCLI(t, map[string]string{"PYAIRTABLE_DATABASE_URL": dbURL}, "token", "create", "--email", email)
	tok, ok := strings.CutSuffix(out, "\n")
	if !ok || strings.Contains(tok, "\n") || !tokenLine.MatchString(tok) {
		t.Fatalf("token create printed %q; want one line with a token", out)
	}
	return tok
}

// tokenID is the id part of a token.
func tokenID(token string) string {
	id, _, _ := strings.Cut(token, ".")
	return id
}

// wantTransportError fails unless err is what a client sees when the
// server dies mid-call.
func wantTransportError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("call succeeded; want a transport error")
	}
	switch connect.CodeOf(err) {
	case connect.CodeUnavailable, connect.CodeUnknown:
	default:
		t.Fatalf("code = %s (%v); want unavailable or unknown", connect.CodeOf(err), err)
	}
}

// retryInfo returns the RetryInfo detail of a Connect error.
func retryInfo(err error) (*commonv1.RetryInfo, bool) {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return nil, false
	}
	for _, d := range ce.Details() {
		if v, err := d.Value(); err == nil {
			if ri, ok := v.(*commonv1.RetryInfo); ok {
				return ri, true
			}
		}
	}
	return nil, false
}

// postJSON calls a procedure with the Connect protocol in JSON, the way
// curl would, and returns the response and its body.
func postJSON(t *testing.T, baseURL, procedure, token, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, baseURL+procedure, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", procedure, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", procedure, err)
	}
	return resp, raw
}

// metric returns the value of one sample in the server's /metrics, such as
// `pyairtable_cache_requests_total{cache="token",result="hit"}`.
func (p *proc) metric(t *testing.T, sample string) float64 {
	t.Helper()
	hc := &http.Client{Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get(p.url + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("metric %s: %v", sample, err)
			}
			return f
		}
	}
	t.Fatalf("metric %s not in /metrics of %s", sample, p.name)
	return 0
}
