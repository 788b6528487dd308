package pyairtable_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/structpb"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	pyairtable "github.com/pyairtable/pyairtable/sdk/go"
	"github.com/pyairtable/pyairtable/server/servertest"
)

var protocols = []pyairtable.Protocol{pyairtable.ConnectJSON, pyairtable.ConnectBinary, pyairtable.GRPC, pyairtable.GRPCWeb}

// Product is a record of the test tables, as a tagged struct.
type Product struct {
	Name     string    `pyairtable:"Name"`
	Price    float64   `pyairtable:"Price,omitempty"`
	InStock  bool      `pyairtable:"In stock,omitempty"`
	Released time.Time `pyairtable:"Released,date,omitempty"`
	Tags     []string  `pyairtable:"Tags,omitempty"`
	Note     *string   `pyairtable:"Note,omitempty"`
}

// TestSmokeOnEveryBackendAndProtocol runs the life of records through the
// SDK, with its default HTTP client, over every protocol on SQLite with
// the in-process cache and on PostgreSQL with Redis.
func TestSmokeOnEveryBackendAndProtocol(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			env := servertest.Start(t, b)
			u := env.NewUser(t, "smoke@example.com")
			for _, p := range protocols {
				t.Run(string(p), func(t *testing.T) {
					smoke(t, newClientAt(t, env.URL, u.Token, pyairtable.WithProtocol(p)))
				})
			}
		})
	}
}

func smoke(t *testing.T, c *pyairtable.Client) {
	ctx := context.Background()
	me, err := c.Users.GetCurrentUser(ctx, connect.NewRequest(&userv1.GetCurrentUserRequest{}))
	if err != nil {
		t.Fatalf("GetCurrentUser over %s: %v", c.Protocol(), err)
	}
	if me.Msg.GetUser().GetEmail() != "smoke@example.com" {
		t.Fatalf("signed in as %q; want smoke@example.com", me.Msg.GetUser().GetEmail())
	}
	table := newTable(t, c, "Smoke "+string(c.Protocol()))
	note := "fragile"
	in := []Product{
		{Name: "Pen", Price: 2.5, Tags: []string{"office"}},
		{Name: "Lamp", Price: 30, InStock: true, Released: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Note: &note},
		{Name: "Mug", Price: 8, Tags: []string{"kitchen", "sale"}},
	}
	var inputs []*datav1.RecordInput
	for _, p := range in {
		cells, err := pyairtable.EncodeFields(p)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, &datav1.RecordInput{Fields: cells})
	}
	created, err := c.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{TableId: table, Records: inputs}))
	if err != nil {
		t.Fatalf("CreateRecords: %v", err)
	}
	if len(created.Msg.GetRecords()) != 3 {
		t.Fatalf("created %d records; want 3", len(created.Msg.GetRecords()))
	}

	// Price > 5, most expensive first, one record a page: the iterator
	// follows the page tokens.
	var got []Product
	for rec, err := range c.ListAllRecords(ctx, &datav1.ListRecordsRequest{
		TableId: table, PageSize: 1,
		Filter: &tablev1.Filter{Node: &tablev1.Filter_Condition{Condition: &tablev1.Condition{
			Field: "Price", Operator: tablev1.Operator_OPERATOR_GREATER_THAN, Operand: &tablev1.Condition_Value{Value: structpb.NewNumberValue(5)}}}},
		Sorts: []*tablev1.Sort{{Field: "Price", Direction: tablev1.SortDirection_SORT_DIRECTION_DESCENDING}},
	}) {
		if err != nil {
			t.Fatalf("ListAllRecords: %v", err)
		}
		var p Product
		if err := pyairtable.DecodeFields(rec.GetFields(), &p); err != nil {
			t.Fatal(err)
		}
		got = append(got, p)
	}
	if len(got) != 2 || got[0].Name != "Lamp" || got[1].Name != "Mug" {
		t.Fatalf("Price > 5 by price descending: %+v; want Lamp, Mug", got)
	}
	if !got[0].InStock || !got[0].Released.Equal(in[1].Released) || got[0].Note == nil || *got[0].Note != note {
		t.Fatalf("Lamp read back as %+v; want %+v", got[0], in[1])
	}
	if !slices.Equal(got[1].Tags, []string{"kitchen", "sale"}) {
		t.Fatalf("Mug's tags read back as %v", got[1].Tags)
	}

	up, err := c.Records.UpdateRecords(ctx, connect.NewRequest(&datav1.UpdateRecordsRequest{TableId: table, MergeFields: []string{"Name"},
		Records: []*datav1.RecordUpdate{
			{Fields: mustFields(t, map[string]any{"Name": "Mug", "Price": 9})},
			{Fields: mustFields(t, map[string]any{"Name": "Bowl", "Price": 12})},
		}}))
	if err != nil {
		t.Fatalf("upsert: %v", err)
	}
	if len(up.Msg.GetCreatedRecordIds()) != 1 || len(up.Msg.GetUpdatedRecordIds()) != 1 {
		t.Fatalf("upsert created %v, updated %v; want one of each", up.Msg.GetCreatedRecordIds(), up.Msg.GetUpdatedRecordIds())
	}
	if _, err := c.Records.DeleteRecords(ctx, connect.NewRequest(&datav1.DeleteRecordsRequest{TableId: table,
		Records: []*datav1.RecordRef{{Id: created.Msg.GetRecords()[0].GetId()}}})); err != nil {
		t.Fatalf("DeleteRecords: %v", err)
	}
	if n := count(t, c, table); n != 3 {
		t.Fatalf("%d records after 3 created, 1 upserted and 1 deleted; want 3", n)
	}
}

func mustFields(t testing.TB, v any) map[string]*structpb.Value {
	t.Helper()
	cells, err := pyairtable.EncodeFields(v)
	if err != nil {
		t.Fatal(err)
	}
	return cells
}
