package pyairtable_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"connectrpc.com/connect"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	pyairtable "github.com/pyairtable/pyairtable/sdk/go"
	"github.com/pyairtable/pyairtable/server/config"
	"github.com/pyairtable/pyairtable/server/servertest"
)

// The shared server of this package's tests and examples: a real server on
// SQLite with the in-process cache, started by TestMain.
var (
	serverURL string // such as http://127.0.0.1:41234
	token     string // a personal access token with every scope
)

func TestMain(m *testing.M) {
	// The shared server has no rate limit, so tests that run in parallel
	// never wait on each other; the rate limit has its own test server.
	env, stop, err := servertest.Launch(func(c *config.Config) { c.RateLimit = 0 })
	if err != nil {
		fmt.Fprintln(os.Stderr, "start test server:", err)
		os.Exit(1)
	}
	u, err := env.CreateUser("sdk@example.com")
	if err != nil {
		stop()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	serverURL, token = env.URL, u.Token
	code := m.Run()
	stop()
	os.Exit(code)
}

// newClient returns a client of the shared server with the test token.
func newClient(t testing.TB, opts ...pyairtable.Option) *pyairtable.Client {
	t.Helper()
	return newClientAt(t, serverURL, token, opts...)
}

func newClientAt(t testing.TB, url, tok string, opts ...pyairtable.Option) *pyairtable.Client {
	t.Helper()
	c, err := pyairtable.New(url, append([]pyairtable.Option{pyairtable.WithToken(tok)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// productFields are the fields of the test tables: Name (text), Price
// (number, 2 decimals), In stock (checkbox), Released (date), Tags
// (multiple selects), Note (long text).
func productFields() []*tablev1.FieldSpec {
	return []*tablev1.FieldSpec{
		{Name: "Name", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT},
		{Name: "Price", Type: tablev1.FieldType_FIELD_TYPE_NUMBER, Options: &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Number{Number: &tablev1.NumberOptions{Precision: 2}}}},
		{Name: "In stock", Type: tablev1.FieldType_FIELD_TYPE_CHECKBOX},
		{Name: "Released", Type: tablev1.FieldType_FIELD_TYPE_DATE},
		{Name: "Tags", Type: tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS, Options: &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Select{
			Select: &tablev1.SelectOptions{Choices: []*tablev1.Choice{{Name: "office"}, {Name: "kitchen"}, {Name: "sale"}}}}}},
		{Name: "Note", Type: tablev1.FieldType_FIELD_TYPE_LONG_TEXT},
	}
}

// newTable makes a workspace, a base and a products table, and returns
// the table's id.
func newTable(t testing.TB, c *pyairtable.Client, name string) string {
	t.Helper()
	ctx := context.Background()
	w, err := c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: name}))
	if err != nil {
		t.Fatalf("create workspace: %v", err)
	}
	b, err := c.Bases.CreateBase(ctx, connect.NewRequest(&tablev1.CreateBaseRequest{WorkspaceId: w.Msg.GetWorkspace().GetId(), Name: "Shop"}))
	if err != nil {
		t.Fatalf("create base: %v", err)
	}
	tb, err := c.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{
		BaseId: b.Msg.GetBase().GetId(), Name: "Products", Fields: productFields()}))
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	return tb.Msg.GetTable().GetId()
}

// count returns how many records a table holds, through the API.
func count(t testing.TB, c *pyairtable.Client, table string) int64 {
	t.Helper()
	resp, err := c.Records.CountRecords(context.Background(), connect.NewRequest(&datav1.CountRecordsRequest{TableId: table}))
	if err != nil {
		t.Fatalf("count records: %v", err)
	}
	return resp.Msg.GetCount()
}
