// Command csvimport imports a CSV file into a new PyAirtable table: the
// header row names the fields, each column's type is guessed from its
// cells (number, checkbox, date, else single line text), and the rows are
// written in atomic chunks of 1000, with progress printed.
//
//	PYAIRTABLE_URL=http://localhost:8080 PYAIRTABLE_TOKEN=pat… \
//	  go run ./examples/go/csvimport [-base app…] [-table NAME] FILE.csv
//
// Without -base it creates a workspace and a base named after the file.
// Each chunk is atomic but the import as a whole is not: if a chunk fails,
// the rows before it stay in the new table and the command says how many
// were imported. Cells are sent as text with typecast, so the server reads
// "1.5", "yes" or "2026-03-01" into the guessed types.
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/structpb"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	pyairtable "github.com/pyairtable/pyairtable/sdk/go"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "csvimport:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("csvimport", flag.ContinueOnError)
	baseID := fs.String("base", "", "the base (\"app…\") to add the table to; empty: a new workspace and base")
	tableName := fs.String("table", "", "the new table's name; empty: the file's name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: csvimport [-base app…] [-table NAME] FILE.csv")
	}
	path := fs.Arg(0)
	url, token := os.Getenv("PYAIRTABLE_URL"), os.Getenv("PYAIRTABLE_TOKEN")
	if url == "" || token == "" {
		return errors.New("set PYAIRTABLE_URL (such as http://localhost:8080) and PYAIRTABLE_TOKEN (a personal access token)")
	}
	c, err := pyairtable.New(url, pyairtable.WithToken(token))
	if err != nil {
		return err
	}

	header, rows, err := readCSV(path)
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	if *tableName == "" {
		*tableName = name
	}
	fields := guessFields(header, rows)
	fmt.Fprintf(out, "read %d rows of %d columns from %s\n", len(rows), len(header), filepath.Base(path))
	for _, f := range fields {
		fmt.Fprintf(out, "  %s: %s\n", f.GetName(), strings.ToLower(strings.TrimPrefix(f.GetType().String(), "FIELD_TYPE_")))
	}

	if *baseID == "" {
		if *baseID, err = newBase(ctx, c, name); err != nil {
			return err
		}
	}
	table, err := c.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{BaseId: *baseID, Name: *tableName, Fields: fields}))
	if err != nil {
		return fmt.Errorf("create table %q: %w", *tableName, err)
	}
	tableID := table.Msg.GetTable().GetId()
	fmt.Fprintf(out, "created table %s (%s)\n", *tableName, tableID)

	req := &datav1.CreateRecordsRequest{TableId: tableID, Typecast: true, Records: records(fields, rows)}
	created, err := c.CreateAllRecords(ctx, req, func(done, total int) {
		fmt.Fprintf(out, "imported %d/%d\n", done, total)
	})
	if err != nil {
		return fmt.Errorf("%d rows imported, then: %w", len(created), err)
	}
	n, err := c.Records.CountRecords(ctx, connect.NewRequest(&datav1.CountRecordsRequest{TableId: tableID}))
	if err != nil {
		return fmt.Errorf("count: %w", err)
	}
	fmt.Fprintf(out, "done: table %s holds %d records\n", *tableName, n.Msg.GetCount())
	return nil
}

// readCSV returns the header and the rows of a CSV file.
func readCSV(path string) (header []string, rows [][]string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	all, err := r.ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(all) == 0 {
		return nil, nil, fmt.Errorf("%s is empty: the first row must name the fields", path)
	}
	return all[0], all[1:], nil
}

// newBase creates a workspace and a base, both named name.
func newBase(ctx context.Context, c *pyairtable.Client, name string) (string, error) {
	ws, err := c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: name}))
	if err != nil {
		return "", fmt.Errorf("create workspace: %w", err)
	}
	b, err := c.Bases.CreateBase(ctx, connect.NewRequest(&tablev1.CreateBaseRequest{WorkspaceId: ws.Msg.GetWorkspace().GetId(), Name: name}))
	if err != nil {
		return "", fmt.Errorf("create base: %w", err)
	}
	return b.Msg.GetBase().GetId(), nil
}

// records turns rows into record inputs: each non-empty cell as its text,
// which the server reads into the field's type (typecast).
func records(fields []*tablev1.FieldSpec, rows [][]string) []*datav1.RecordInput {
	out := make([]*datav1.RecordInput, 0, len(rows))
	for _, row := range rows {
		cells := map[string]*structpb.Value{}
		for i, f := range fields {
			if i < len(row) && strings.TrimSpace(row[i]) != "" {
				cells[f.GetName()] = structpb.NewStringValue(row[i])
			}
		}
		out = append(out, &datav1.RecordInput{Fields: cells})
	}
	return out
}
