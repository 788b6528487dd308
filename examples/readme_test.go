package examples_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	pyairtable "github.com/pyairtable/pyairtable/sdk/go"
)

// TestReadmeGoSnippet checks that the README's "From Go" program is
// go/quickstart, word for word, and runs it on the README's Leads table.
func TestReadmeGoSnippet(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## From Go\n")
	_, snippet, ok2 := strings.Cut(section, "```go\n")
	snippet, _, ok3 := strings.Cut(snippet, "```\n")
	if !ok || !ok2 || !ok3 {
		t.Fatal(`README.md has no "From Go" section with a Go block`)
	}
	program, err := os.ReadFile("go/quickstart/main.go")
	if err != nil {
		t.Fatal(err)
	}
	if snippet != string(program) {
		t.Fatal("the README's Go snippet differs from examples/go/quickstart/main.go: copy the file into the README")
	}

	c, env := server(t)
	table := leadsTable(t, c)
	bin := build(t)
	out := runProgram(t, append(env, "TABLE="+table), filepath.Join(bin, "quickstart"))
	if out != "Ada <ada@example.com> 1200.00\nMargaret <margaret@example.com> 2500.00\n" {
		t.Fatalf("quickstart printed:\n%s\nwant Ada, then the new Margaret", out)
	}
}

// leadsTable makes the README's Leads table with one record, Ada.
func leadsTable(t *testing.T, c *pyairtable.Client) string {
	t.Helper()
	ctx := context.Background()
	w, err := c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "Sales"}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Bases.CreateBase(ctx, connect.NewRequest(&tablev1.CreateBaseRequest{WorkspaceId: w.Msg.GetWorkspace().GetId(), Name: "CRM"}))
	if err != nil {
		t.Fatal(err)
	}
	tb, err := c.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{BaseId: b.Msg.GetBase().GetId(), Name: "Leads",
		Fields: []*tablev1.FieldSpec{
			{Name: "Name", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT},
			{Name: "Email", Type: tablev1.FieldType_FIELD_TYPE_EMAIL},
			{Name: "Value", Type: tablev1.FieldType_FIELD_TYPE_CURRENCY, Options: &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Currency{
				Currency: &tablev1.CurrencyOptions{Symbol: "€", Precision: 2}}}},
		}}))
	if err != nil {
		t.Fatal(err)
	}
	cells, err := pyairtable.EncodeFields(map[string]any{"Name": "Ada", "Email": "ada@example.com", "Value": 1200})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{TableId: tb.Msg.GetTable().GetId(),
		Records: []*datav1.RecordInput{{Fields: cells}}})); err != nil {
		t.Fatal(err)
	}
	return tb.Msg.GetTable().GetId()
}
