package e2e_test

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	"github.com/pyairtable/pyairtable/server/servertest"
)

// recTable makes a workspace, a base and a table of products: Name (single
// line text), Price (number, 2 decimals), Stage (single select: New, Won),
// Done (checkbox). It returns the table's id.
func recTable(t *testing.T, c servertest.Clients, name string) string {
	t.Helper()
	ctx := context.Background()
	w, err := c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: name}))
	servertest.NoErr(t, err)
	b, err := c.Bases.CreateBase(ctx, connect.NewRequest(&tablev1.CreateBaseRequest{WorkspaceId: w.Msg.GetWorkspace().GetId(), Name: "Shop"}))
	servertest.NoErr(t, err)
	tb, err := c.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{BaseId: b.Msg.GetBase().GetId(), Name: "Products",
		Fields: []*tablev1.FieldSpec{
			{Name: "Name", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT},
			{Name: "Price", Type: tablev1.FieldType_FIELD_TYPE_NUMBER, Options: &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Number{Number: &tablev1.NumberOptions{Precision: 2}}}},
			{Name: "Stage", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, Options: &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Select{
				Select: &tablev1.SelectOptions{Choices: []*tablev1.Choice{{Name: "New"}, {Name: "Won"}}}}}},
			{Name: "Done", Type: tablev1.FieldType_FIELD_TYPE_CHECKBOX},
		}}))
	servertest.NoErr(t, err)
	return tb.Msg.GetTable().GetId()
}

// recCells builds input cells from plain values.
func recCells(t *testing.T, kv map[string]any) map[string]*structpb.Value {
	t.Helper()
	out := map[string]*structpb.Value{}
	for k, v := range kv {
		pv, err := structpb.NewValue(v)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = pv
	}
	return out
}

// recNames returns the Name cells of records, in order.
func recNames(rs []*datav1.Record) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.GetFields()["Name"].GetStringValue()
	}
	return out
}

// TestRecordsOverEveryProtocol runs the life of records over Connect
// (JSON and binary), gRPC and gRPC-Web, on every backend.
func TestRecordsOverEveryProtocol(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			env := servertest.Start(t, b)
			u := env.NewUser(t, "rec@example.com")
			for _, p := range servertest.Protocols {
				t.Run(string(p), func(t *testing.T) {
					ctx := context.Background()
					c := env.Clients(p, u.Token)
					table := recTable(t, c, "Records over "+string(p))
					created, err := c.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{TableId: table, Records: []*datav1.RecordInput{
						{Fields: recCells(t, map[string]any{"Name": "Pen", "Price": 2.5, "Stage": "New"})},
						{Fields: recCells(t, map[string]any{"Name": "Lamp", "Price": 30, "Stage": "Won", "Done": true})},
						{Fields: recCells(t, map[string]any{"Name": "Mug", "Price": 8})},
					}}))
					servertest.NoErr(t, err)
					recs := created.Msg.GetRecords()
					if got := strings.Join(recNames(recs), ","); got != "Pen,Lamp,Mug" {
						t.Fatalf("created %s; want Pen,Lamp,Mug in the order given", got)
					}
					if recs[1].GetFields()["Stage"].GetStringValue() != "Won" || !recs[1].GetFields()["Done"].GetBoolValue() || recs[1].GetEtag() == "" {
						t.Fatalf("record read back as %v", recs[1])
					}

					got, err := c.Records.GetRecord(ctx, connect.NewRequest(&datav1.GetRecordRequest{TableId: table, RecordId: recs[0].GetId(), FieldKey: datav1.FieldKey_FIELD_KEY_ID}))
					servertest.NoErr(t, err)
					if len(got.Msg.GetRecord().GetFields()) != 3 {
						t.Fatalf("GetRecord keyed by id returned %v; want the 3 non-empty cells", got.Msg.GetRecord().GetFields())
					}
					for k := range got.Msg.GetRecord().GetFields() {
						if !strings.HasPrefix(k, "fld") {
							t.Fatalf("cell keyed %q; want a field id", k)
						}
					}

					query := &datav1.ListRecordsRequest{TableId: table,
						Filter: &tablev1.Filter{Node: &tablev1.Filter_Condition{Condition: &tablev1.Condition{
							Field: "Price", Operator: tablev1.Operator_OPERATOR_GREATER_THAN, Operand: &tablev1.Condition_Value{Value: structpb.NewNumberValue(5)}}}},
						Sorts:    []*tablev1.Sort{{Field: "Price", Direction: tablev1.SortDirection_SORT_DIRECTION_DESCENDING}},
						PageSize: 1,
					}
					var names []string
					for page := 0; ; page++ {
						list, err := c.Records.ListRecords(ctx, connect.NewRequest(query))
						servertest.NoErr(t, err)
						names = append(names, recNames(list.Msg.GetRecords())...)
						if list.Msg.GetNextPageToken() == "" || page > 5 {
							break
						}
						query = proto.CloneOf(query)
						query.PageToken = list.Msg.GetNextPageToken()
					}
					if got := strings.Join(names, ","); got != "Lamp,Mug" {
						t.Fatalf("pages of Price > 5 by Price descending gave %s; want Lamp,Mug", got)
					}

					up, err := c.Records.UpdateRecords(ctx, connect.NewRequest(&datav1.UpdateRecordsRequest{TableId: table, MergeFields: []string{"Name"},
						Records: []*datav1.RecordUpdate{
							{Fields: recCells(t, map[string]any{"Name": "Mug", "Price": 9})},
							{Fields: recCells(t, map[string]any{"Name": "Bowl", "Price": 12})},
						}}))
					servertest.NoErr(t, err)
					if len(up.Msg.GetUpdatedRecordIds()) != 1 || up.Msg.GetUpdatedRecordIds()[0] != recs[2].GetId() || len(up.Msg.GetCreatedRecordIds()) != 1 {
						t.Fatalf("upsert updated %v and created %v; want Mug (%s) updated and Bowl created",
							up.Msg.GetUpdatedRecordIds(), up.Msg.GetCreatedRecordIds(), recs[2].GetId())
					}

					del, err := c.Records.DeleteRecords(ctx, connect.NewRequest(&datav1.DeleteRecordsRequest{TableId: table,
						Records: []*datav1.RecordRef{{Id: recs[0].GetId(), Etag: recs[0].GetEtag()}}}))
					servertest.NoErr(t, err)
					if !del.Msg.GetPurgeTime().AsTime().After(recs[0].GetCreateTime().AsTime()) {
						t.Fatalf("purge time %v", del.Msg.GetPurgeTime())
					}
					count, err := c.Records.CountRecords(ctx, connect.NewRequest(&datav1.CountRecordsRequest{TableId: table}))
					servertest.NoErr(t, err)
					if count.Msg.GetCount() != 3 {
						t.Fatalf("count after a delete %d; want 3", count.Msg.GetCount())
					}
					trash, err := c.Records.ListRecords(ctx, connect.NewRequest(&datav1.ListRecordsRequest{TableId: table, Deleted: true}))
					servertest.NoErr(t, err)
					if len(trash.Msg.GetRecords()) != 1 || trash.Msg.GetRecords()[0].GetDeleteTime() == nil {
						t.Fatalf("trash %v; want the deleted Pen with its delete time", trash.Msg.GetRecords())
					}
					back, err := c.Records.RestoreRecords(ctx, connect.NewRequest(&datav1.RestoreRecordsRequest{TableId: table, RecordIds: []string{recs[0].GetId()}}))
					servertest.NoErr(t, err)
					if recNames(back.Msg.GetRecords())[0] != "Pen" {
						t.Fatalf("restored %v", back.Msg.GetRecords())
					}
				})
			}
		})
	}
}

// TestRecordWritesRetryWithRequestID retries each record write with its
// request_id: the retry answers as the first call did and writes nothing
// more; the same id on a different request is refused.
func TestRecordWritesRetryWithRequestID(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			env := servertest.Start(t, b)
			ctx := context.Background()
			u := env.NewUser(t, "retry@example.com")
			c := env.Clients(servertest.ConnectProto, u.Token)
			table := recTable(t, c, "Retries")
			create := &datav1.CreateRecordsRequest{TableId: table, RequestId: "11111111-1111-4111-8111-111111111111",
				Records: []*datav1.RecordInput{{Fields: recCells(t, map[string]any{"Name": "Once"})}}}
			first, err := c.Records.CreateRecords(ctx, connect.NewRequest(create))
			servertest.NoErr(t, err)
			again, err := c.Records.CreateRecords(ctx, connect.NewRequest(create))
			servertest.NoErr(t, err)
			if !proto.Equal(first.Msg, again.Msg) {
				t.Fatalf("the retry answered %v; want the first answer %v", again.Msg, first.Msg)
			}
			count, err := c.Records.CountRecords(ctx, connect.NewRequest(&datav1.CountRecordsRequest{TableId: table}))
			servertest.NoErr(t, err)
			if count.Msg.GetCount() != 1 {
				t.Fatalf("%d records after a retried create; want 1", count.Msg.GetCount())
			}
			changed := proto.CloneOf(create)
			changed.Records[0].Fields["Name"] = structpb.NewStringValue("Twice")
			_, err = c.Records.CreateRecords(ctx, connect.NewRequest(changed))
			servertest.WantCode(t, err, connect.CodeInvalidArgument, "REQUEST_ID_REUSED")

			id := first.Msg.GetRecords()[0].GetId()
			update := &datav1.UpdateRecordsRequest{TableId: table, RequestId: "22222222-2222-4222-8222-222222222222",
				Records: []*datav1.RecordUpdate{{Id: id, Etag: first.Msg.GetRecords()[0].GetEtag(), Fields: recCells(t, map[string]any{"Price": 3})}}}
			u1, err := c.Records.UpdateRecords(ctx, connect.NewRequest(update))
			servertest.NoErr(t, err)
			// The etag is stale now; a retry still gets the first answer.
			u2, err := c.Records.UpdateRecords(ctx, connect.NewRequest(update))
			servertest.NoErr(t, err)
			if !proto.Equal(u1.Msg, u2.Msg) {
				t.Fatalf("the retried update answered %v; want %v", u2.Msg, u1.Msg)
			}
		})
	}
}

// TestCurlRecords creates, lists and upserts records with curl and JSON,
// as a shell script would.
func TestCurlRecords(t *testing.T) {
	curl := cliNeed(t, "curl", "install it (Debian: apt-get install -y curl)")
	env := servertest.Start(t, servertest.Backends[0])
	u := env.NewUser(t, "curl-records@example.com")
	table := recTable(t, env.Clients(servertest.ConnectProto, u.Token), "Curl")
	status, out := cliPostJSON(t, curl, env.URL, "/pyairtable.data.v1.RecordService/CreateRecords", u.Token,
		`{"tableId": "`+table+`", "records": [{"fields": {"Name": "Pen", "Price": 2.5, "Stage": "New"}}, {"fields": {"Name": "Lamp", "Price": "30", "Done": true}}], "typecast": true}`)
	if status != 200 {
		t.Fatalf("CreateRecords with curl: HTTP %d\n%s", status, out)
	}
	status, out = cliPostJSON(t, curl, env.URL, "/pyairtable.data.v1.RecordService/ListRecords", u.Token,
		`{"tableId": "`+table+`", "filter": {"condition": {"field": "Done", "operator": "OPERATOR_EQUAL", "value": true}}, "sorts": [{"field": "Price", "direction": "SORT_DIRECTION_DESCENDING"}]}`)
	if status != 200 {
		t.Fatalf("ListRecords with curl: HTTP %d\n%s", status, out)
	}
	var list struct {
		Records []struct {
			ID     string         `json:"id"`
			Fields map[string]any `json:"fields"`
		} `json:"records"`
	}
	cliJSON(t, "ListRecords", out, &list)
	if len(list.Records) != 1 || list.Records[0].Fields["Name"] != "Lamp" || list.Records[0].Fields["Price"] != 30.0 {
		t.Fatalf("ListRecords with curl returned %s; want only Lamp, its price typecast to 30", out)
	}
	status, out = cliPostJSON(t, curl, env.URL, "/pyairtable.data.v1.RecordService/UpdateRecords", u.Token,
		`{"tableId": "`+table+`", "mergeFields": ["Name"], "records": [{"fields": {"Name": "Lamp", "Price": 35}}]}`)
	if status != 200 || !strings.Contains(out, list.Records[0].ID) {
		t.Fatalf("upsert with curl: HTTP %d\n%s", status, out)
	}
}
