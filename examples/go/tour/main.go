// Command tour walks through PyAirtable with the Go SDK: it creates a
// workspace, a base and a table of leads, writes records, lists them with
// a filter and a sort, upserts and deletes, printing each step.
//
//	PYAIRTABLE_URL=http://localhost:8080 PYAIRTABLE_TOKEN=pat… go run ./examples/go/tour
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/structpb"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	pyairtable "github.com/pyairtable/pyairtable/sdk/go"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "tour:", err)
		os.Exit(1)
	}
}

// Lead is a record of the Leads table.
type Lead struct {
	Name  string  `pyairtable:"Name,omitempty"`
	Email string  `pyairtable:"Email"`
	Stage string  `pyairtable:"Stage,omitempty"`
	Value float64 `pyairtable:"Value,omitempty"`
}

func run(ctx context.Context) error {
	url, token := os.Getenv("PYAIRTABLE_URL"), os.Getenv("PYAIRTABLE_TOKEN")
	if url == "" || token == "" {
		return errors.New("set PYAIRTABLE_URL (such as http://localhost:8080) and PYAIRTABLE_TOKEN (a personal access token)")
	}
	c, err := pyairtable.New(url, pyairtable.WithToken(token))
	if err != nil {
		return err
	}

	me, err := c.Users.GetCurrentUser(ctx, connect.NewRequest(&userv1.GetCurrentUserRequest{}))
	if err != nil {
		return fmt.Errorf("who am I: %w", err)
	}
	fmt.Println("1. signed in as", me.Msg.GetUser().GetEmail())

	ws, err := c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "Go tour"}))
	if err != nil {
		return fmt.Errorf("create workspace: %w", err)
	}
	fmt.Println("2. created workspace", ws.Msg.GetWorkspace().GetName())

	base, err := c.Bases.CreateBase(ctx, connect.NewRequest(&tablev1.CreateBaseRequest{WorkspaceId: ws.Msg.GetWorkspace().GetId(), Name: "CRM"}))
	if err != nil {
		return fmt.Errorf("create base: %w", err)
	}
	fmt.Println("3. created base", base.Msg.GetBase().GetName())

	table, err := c.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{
		BaseId: base.Msg.GetBase().GetId(), Name: "Leads",
		Fields: []*tablev1.FieldSpec{
			{Name: "Name", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT},
			{Name: "Email", Type: tablev1.FieldType_FIELD_TYPE_EMAIL},
			{Name: "Stage", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, Options: &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Select{
				Select: &tablev1.SelectOptions{Choices: []*tablev1.Choice{{Name: "New"}, {Name: "Won"}}}}}},
			{Name: "Value", Type: tablev1.FieldType_FIELD_TYPE_CURRENCY, Options: &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Currency{
				Currency: &tablev1.CurrencyOptions{Symbol: "€", Precision: 2}}}},
		},
	}))
	if err != nil {
		return fmt.Errorf("create table: %w", err)
	}
	tableID := table.Msg.GetTable().GetId()
	fmt.Printf("4. created table %s with %d fields\n", table.Msg.GetTable().GetName(), len(table.Msg.GetTable().GetFields()))

	var inputs []*datav1.RecordInput
	for _, l := range []Lead{
		{Name: "Ada", Email: "ada@example.com", Stage: "New", Value: 1200},
		{Name: "Grace", Email: "grace@example.com", Stage: "Won", Value: 3400},
		{Name: "Edsger", Email: "edsger@example.com", Stage: "Won", Value: 900},
	} {
		cells, err := pyairtable.EncodeFields(l)
		if err != nil {
			return err
		}
		inputs = append(inputs, &datav1.RecordInput{Fields: cells})
	}
	created, err := c.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{TableId: tableID, Records: inputs}))
	if err != nil {
		return fmt.Errorf("create records: %w", err)
	}
	fmt.Println("5. created", len(created.Msg.GetRecords()), "records")

	won, err := wonLeads(ctx, c, tableID)
	if err != nil {
		return err
	}
	fmt.Println("6. won leads, largest first:", strings.Join(won, ", "))

	// Upsert by email: Ada is found and updated, Linus is new.
	var updates []*datav1.RecordUpdate
	for _, l := range []Lead{{Email: "ada@example.com", Stage: "Won"}, {Name: "Linus", Email: "linus@example.com", Stage: "New", Value: 500}} {
		cells, err := pyairtable.EncodeFields(l)
		if err != nil {
			return err
		}
		updates = append(updates, &datav1.RecordUpdate{Fields: cells})
	}
	up, err := c.Records.UpdateRecords(ctx, connect.NewRequest(&datav1.UpdateRecordsRequest{TableId: tableID, MergeFields: []string{"Email"}, Records: updates}))
	if err != nil {
		return fmt.Errorf("upsert: %w", err)
	}
	fmt.Printf("7. upserted by email: %d updated, %d created\n", len(up.Msg.GetUpdatedRecordIds()), len(up.Msg.GetCreatedRecordIds()))

	edsger := created.Msg.GetRecords()[2]
	del, err := c.Records.DeleteRecords(ctx, connect.NewRequest(&datav1.DeleteRecordsRequest{TableId: tableID,
		Records: []*datav1.RecordRef{{Id: edsger.GetId(), Etag: edsger.GetEtag()}}}))
	if err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	fmt.Println("8. deleted", len(del.Msg.GetDeletedRecordIds()), "record (restorable until", del.Msg.GetPurgeTime().AsTime().Format("2006-01-02")+")")

	won, err = wonLeads(ctx, c, tableID)
	if err != nil {
		return err
	}
	n, err := c.Records.CountRecords(ctx, connect.NewRequest(&datav1.CountRecordsRequest{TableId: tableID}))
	if err != nil {
		return fmt.Errorf("count: %w", err)
	}
	fmt.Printf("9. the table holds %d records; won: %s\n", n.Msg.GetCount(), strings.Join(won, ", "))
	return nil
}

// wonLeads lists the names of the won leads, largest value first.
func wonLeads(ctx context.Context, c *pyairtable.Client, tableID string) ([]string, error) {
	var names []string
	for rec, err := range c.ListAllRecords(ctx, &datav1.ListRecordsRequest{
		TableId: tableID,
		Filter: &tablev1.Filter{Node: &tablev1.Filter_Condition{Condition: &tablev1.Condition{
			Field: "Stage", Operator: tablev1.Operator_OPERATOR_EQUAL, Operand: &tablev1.Condition_Value{Value: structpb.NewStringValue("Won")}}}},
		Sorts: []*tablev1.Sort{{Field: "Value", Direction: tablev1.SortDirection_SORT_DIRECTION_DESCENDING}},
	}) {
		if err != nil {
			return nil, fmt.Errorf("list won leads: %w", err)
		}
		var l Lead
		if err := pyairtable.DecodeFields(rec.GetFields(), &l); err != nil {
			return nil, err
		}
		names = append(names, fmt.Sprintf("%s (%.0f)", l.Name, l.Value))
	}
	return names, nil
}
