// Package examples_test runs the examples (the Go programs in go/ and the
// curl tour in curl/) against freshly started real servers and checks
// what they print and what they leave on the server.
package examples_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	pyairtable "github.com/pyairtable/pyairtable/sdk/go"
	"github.com/pyairtable/pyairtable/server/servertest"
)

// server starts a real server on SQLite and returns an SDK client and the
// environment a program gets: PYAIRTABLE_URL and PYAIRTABLE_TOKEN.
func server(t *testing.T) (*pyairtable.Client, []string) {
	t.Helper()
	env := servertest.Start(t, servertest.Backends[0])
	u := env.NewUser(t, "tour@example.com")
	c, err := pyairtable.New(env.URL, pyairtable.WithToken(u.Token))
	if err != nil {
		t.Fatal(err)
	}
	return c, append(os.Environ(), "PYAIRTABLE_URL="+env.URL, "PYAIRTABLE_TOKEN="+u.Token)
}

var binDir string // where TestMain's first build puts the Go examples

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildOnce compiles the Go example programs, once for all tests.
var buildOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "pyairtable-examples-")
	if err != nil {
		return "", err
	}
	binDir = dir
	cmd := exec.Command(goTool(), "build", "-o", dir+string(filepath.Separator), "./go/tour", "./go/csvimport", "./go/quickstart")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the examples: %w\n%s", err, out)
	}
	return dir, nil
})

// build returns the folder of the compiled Go example programs.
func build(t *testing.T) string {
	t.Helper()
	dir, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

// runProgram runs a program with the environment and returns what it
// printed; it fails the test if the program fails.
func runProgram(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(name), strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// wantLines fails the test unless out holds each line, in order.
func wantLines(t *testing.T, out string, lines ...string) {
	t.Helper()
	rest := out
	for _, l := range lines {
		i := strings.Index(rest, l+"\n")
		if i < 0 {
			t.Fatalf("output lacks %q (in order); it was:\n%s", l, out)
		}
		rest = rest[i+len(l):]
	}
}

// findTable returns the id of the table of a workspace and base, found by
// name through the API.
func findTable(t *testing.T, c *pyairtable.Client, workspace, base, table string) string {
	t.Helper()
	ctx := context.Background()
	ws, err := c.Workspaces.ListWorkspaces(ctx, connect.NewRequest(&workspacev1.ListWorkspacesRequest{PageSize: 100}))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws.Msg.GetWorkspaces() {
		if w.GetName() != workspace {
			continue
		}
		bs, err := c.Bases.ListBases(ctx, connect.NewRequest(&tablev1.ListBasesRequest{WorkspaceId: w.GetId()}))
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs.Msg.GetBases() {
			if b.GetName() != base {
				continue
			}
			ts, err := c.Tables.ListTables(ctx, connect.NewRequest(&tablev1.ListTablesRequest{BaseId: b.GetId()}))
			if err != nil {
				t.Fatal(err)
			}
			for _, tb := range ts.Msg.GetTables() {
				if tb.GetName() == table {
					return tb.GetId()
				}
			}
		}
	}
	t.Fatalf("no table %s / %s / %s on the server", workspace, base, table)
	return ""
}

// recordsOf returns a table's records keyed by the text of one field.
func recordsOf(t *testing.T, c *pyairtable.Client, table, key string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for rec, err := range c.ListAllRecords(context.Background(), &datav1.ListRecordsRequest{TableId: table, PageSize: 1000}) {
		if err != nil {
			t.Fatal(err)
		}
		fields := pyairtable.FieldMap(rec.GetFields())
		k, _ := fields[key].(string)
		out[k] = fields
	}
	return out
}

// wantMatch fails the test unless out matches the pattern; with sameIDs,
// the pattern's two groups must be equal.
func wantMatch(t *testing.T, out, pattern string, sameIDs bool) {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("output does not match %s; it was:\n%s", pattern, out)
	}
	if sameIDs && m[1] != m[2] {
		t.Fatalf("got %s then %s; want the same", m[1], m[2])
	}
}
