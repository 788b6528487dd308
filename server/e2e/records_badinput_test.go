package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/structpb"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/servertest"
)

// recPaths returns the violation paths of an error as the SDKs print
// them, such as records[1].fields["Price"].
func recPaths(t *testing.T, err error) []string {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatalf("not a Connect error: %v", err)
	}
	var out []string
	for _, d := range ce.Details() {
		v, derr := d.Value()
		vs, ok := v.(*validate.Violations)
		if derr != nil || !ok {
			continue
		}
		for _, viol := range vs.GetViolations() {
			var b strings.Builder
			for i, el := range viol.GetField().GetElements() {
				if i > 0 {
					b.WriteByte('.')
				}
				b.WriteString(el.GetFieldName())
				switch sub := el.GetSubscript().(type) {
				case *validate.FieldPathElement_Index:
					fmt.Fprintf(&b, "[%d]", sub.Index)
				case *validate.FieldPathElement_StringKey:
					fmt.Fprintf(&b, "[%s]", strconv.Quote(sub.StringKey))
				}
			}
			out = append(out, b.String())
		}
	}
	return out
}

// recDeep nests a condition in depth not-nodes.
func recDeep(depth int) *tablev1.Filter {
	f := &tablev1.Filter{Node: &tablev1.Filter_Condition{Condition: &tablev1.Condition{
		Field: "Name", Operator: tablev1.Operator_OPERATOR_IS_NOT_EMPTY}}}
	for range depth {
		f = &tablev1.Filter{Node: &tablev1.Filter_Not{Not: f}}
	}
	return f
}

// recHuge is an or of groups holding n conditions in all.
func recHuge(n int) *tablev1.Filter {
	var groups []*tablev1.Filter
	for n > 0 {
		var conds []*tablev1.Filter
		for i := 0; i < 100 && n > 0; i, n = i+1, n-1 {
			conds = append(conds, &tablev1.Filter{Node: &tablev1.Filter_Condition{Condition: &tablev1.Condition{
				Field: "Name", Operator: tablev1.Operator_OPERATOR_EQUAL, Operand: &tablev1.Condition_Value{Value: structpb.NewStringValue("x")}}}})
		}
		groups = append(groups, &tablev1.Filter{Node: &tablev1.Filter_And{And: &tablev1.FilterGroup{Filters: conds}}})
	}
	return &tablev1.Filter{Node: &tablev1.Filter_Or{Or: &tablev1.FilterGroup{Filters: groups}}}
}

// TestRecordBadInputChangesNothing sends the record calls bad input on
// every backend: each is refused with the right code, names what is wrong,
// and changes nothing.
func TestRecordBadInputChangesNothing(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			env := servertest.Start(t, b)
			ctx := context.Background()
			ada := env.NewUser(t, "ada@example.com")
			bob := env.NewUser(t, "bob@example.com")
			c := env.Clients(servertest.ConnectJSON, ada.Token)
			table := recTable(t, c, "Ada's")
			other := recTable(t, c, "Ada's other")
			bobs := recTable(t, env.Clients(servertest.ConnectJSON, bob.Token), "Bob's")
			seed, err := c.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{TableId: table, Records: []*datav1.RecordInput{
				{Fields: recCells(t, map[string]any{"Name": "One", "Price": 1})},
				{Fields: recCells(t, map[string]any{"Name": "Two", "Price": 2})},
			}}))
			servertest.NoErr(t, err)
			rec := seed.Msg.GetRecords()[0]
			bobRec, err := env.Clients(servertest.ConnectJSON, bob.Token).Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{
				TableId: bobs, Records: []*datav1.RecordInput{{Fields: recCells(t, map[string]any{"Name": "Bob's"})}}}))
			servertest.NoErr(t, err)
			firstPage, err := c.Records.ListRecords(ctx, connect.NewRequest(&datav1.ListRecordsRequest{TableId: table, PageSize: 1}))
			servertest.NoErr(t, err)
			token := firstPage.Msg.GetNextPageToken()
			if token == "" {
				t.Fatal("no second page")
			}
			before := servertest.Snapshot(t, env.Server.DB)

			cases := []struct {
				name   string
				call   func() error
				code   connect.Code
				reason string
				path   string // a violation path the error must name; "" for none
				words  string // text the message must hold
			}{
				{"unknown field", func() error {
					_, err := c.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{TableId: table, Records: []*datav1.RecordInput{
						{Fields: recCells(t, map[string]any{"Name": "Ok"})}, {Fields: recCells(t, map[string]any{"Prise": 3})}}}))
					return err
				}, connect.CodeInvalidArgument, "", `records[1].fields["Prise"]`, "Prise"},
				{"wrong type", func() error {
					_, err := c.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{TableId: table, Records: []*datav1.RecordInput{
						{Fields: recCells(t, map[string]any{"Name": "Ok"})}, {Fields: recCells(t, map[string]any{"Name": "Also ok"})},
						{Fields: recCells(t, map[string]any{"Price": "lots"})}}}))
					return err
				}, connect.CodeInvalidArgument, "INVALID_CELL_VALUE", `records[2].fields["Price"]`, ""},
				{"unknown choice", func() error {
					_, err := c.Records.UpdateRecords(ctx, connect.NewRequest(&datav1.UpdateRecordsRequest{TableId: table, Records: []*datav1.RecordUpdate{
						{Id: rec.GetId(), Fields: recCells(t, map[string]any{"Stage": "Lost"})}}}))
					return err
				}, connect.CodeInvalidArgument, "", `records[0].fields["Stage"]`, "Lost"},
				{"too many records", func() error {
					in := make([]*datav1.RecordInput, 1001)
					for i := range in {
						in[i] = &datav1.RecordInput{}
					}
					_, err := c.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{TableId: table, Records: in}))
					return err
				}, connect.CodeInvalidArgument, "INVALID_ARGUMENT", "records", ""},
				{"page size 10^9", func() error {
					_, err := c.Records.ListRecords(ctx, connect.NewRequest(&datav1.ListRecordsRequest{TableId: table, PageSize: 1_000_000_000}))
					return err
				}, connect.CodeInvalidArgument, "INVALID_ARGUMENT", "page_size", ""},
				{"tampered page token", func() error {
					bad := []byte(token)
					bad[len(bad)/2] ^= 1
					_, err := c.Records.ListRecords(ctx, connect.NewRequest(&datav1.ListRecordsRequest{TableId: table, PageSize: 1, PageToken: string(bad)}))
					return err
				}, connect.CodeInvalidArgument, "", "", ""},
				{"page token of another table", func() error {
					_, err := c.Records.ListRecords(ctx, connect.NewRequest(&datav1.ListRecordsRequest{TableId: other, PageSize: 1, PageToken: token}))
					return err
				}, connect.CodeInvalidArgument, "", "", ""},
				{"page token of another query", func() error {
					_, err := c.Records.ListRecords(ctx, connect.NewRequest(&datav1.ListRecordsRequest{TableId: table, PageSize: 1, PageToken: token,
						Sorts: []*tablev1.Sort{{Field: "Price"}}}))
					return err
				}, connect.CodeInvalidArgument, "", "", ""},
				{"filter too deep", func() error {
					_, err := c.Records.ListRecords(ctx, connect.NewRequest(&datav1.ListRecordsRequest{TableId: table, Filter: recDeep(40)}))
					return err
				}, connect.CodeInvalidArgument, "", "", ""},
				{"filter too big", func() error {
					_, err := c.Records.CountRecords(ctx, connect.NewRequest(&datav1.CountRecordsRequest{TableId: table, Filter: recHuge(1000)}))
					return err
				}, connect.CodeInvalidArgument, "", "", ""},
				{"filter on an unknown field", func() error {
					_, err := c.Records.ListRecords(ctx, connect.NewRequest(&datav1.ListRecordsRequest{TableId: table, Filter: &tablev1.Filter{
						Node: &tablev1.Filter_Condition{Condition: &tablev1.Condition{Field: "Colour", Operator: tablev1.Operator_OPERATOR_IS_EMPTY}}}}))
					return err
				}, connect.CodeInvalidArgument, "", "", "Colour"},
				{"record of another table", func() error {
					_, err := c.Records.GetRecord(ctx, connect.NewRequest(&datav1.GetRecordRequest{TableId: other, RecordId: rec.GetId()}))
					return err
				}, connect.CodeNotFound, "", "", ""},
				{"record of another workspace, read", func() error {
					_, err := c.Records.GetRecord(ctx, connect.NewRequest(&datav1.GetRecordRequest{TableId: table, RecordId: bobRec.Msg.GetRecords()[0].GetId()}))
					return err
				}, connect.CodeNotFound, "", "", ""},
				{"record of another workspace, updated", func() error {
					_, err := c.Records.UpdateRecords(ctx, connect.NewRequest(&datav1.UpdateRecordsRequest{TableId: table, Records: []*datav1.RecordUpdate{
						{Id: rec.GetId(), Fields: recCells(t, map[string]any{"Name": "Changed"})},
						{Id: bobRec.Msg.GetRecords()[0].GetId(), Fields: recCells(t, map[string]any{"Name": "Mine"})}}}))
					return err
				}, connect.CodeNotFound, "", "", ""},
				{"table of another workspace", func() error {
					_, err := c.Records.DeleteRecords(ctx, connect.NewRequest(&datav1.DeleteRecordsRequest{TableId: bobs,
						Records: []*datav1.RecordRef{{Id: bobRec.Msg.GetRecords()[0].GetId()}}}))
					return err
				}, connect.CodeNotFound, "", "", ""},
				{"stale etag", func() error {
					_, err := c.Records.UpdateRecords(ctx, connect.NewRequest(&datav1.UpdateRecordsRequest{TableId: table, Records: []*datav1.RecordUpdate{
						{Id: seed.Msg.GetRecords()[1].GetId(), Fields: recCells(t, map[string]any{"Name": "Fine"})},
						{Id: rec.GetId(), Etag: rec.GetEtag() + "0", Fields: recCells(t, map[string]any{"Name": "Changed"})}}}))
					return err
				}, connect.CodeFailedPrecondition, "ETAG_MISMATCH", "", ""},
				{"upsert with an id", func() error {
					_, err := c.Records.UpdateRecords(ctx, connect.NewRequest(&datav1.UpdateRecordsRequest{TableId: table, MergeFields: []string{"Name"},
						Records: []*datav1.RecordUpdate{{Id: rec.GetId(), Fields: recCells(t, map[string]any{"Name": "One"})}}}))
					return err
				}, connect.CodeInvalidArgument, "", "", ""},
				{"computed field written", func() error {
					_, err := c.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{TableId: table, Records: []*datav1.RecordInput{
						{Fields: recCells(t, map[string]any{"Name": "Ok", "Done": "not a checkbox"})}}}))
					return err
				}, connect.CodeInvalidArgument, "", `records[0].fields["Done"]`, ""},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					err := tc.call()
					if tc.reason != "" {
						servertest.WantCode(t, err, tc.code, tc.reason)
					} else {
						servertest.WantCode(t, err, tc.code)
					}
					if tc.path != "" {
						paths := recPaths(t, err)
						found := false
						for _, p := range paths {
							found = found || p == tc.path
						}
						if !found {
							t.Errorf("violations name %q; want %s", paths, tc.path)
						}
					}
					if tc.words != "" && !strings.Contains(err.Error(), tc.words) {
						t.Errorf("message %q does not name %q", err, tc.words)
					}
					if after := servertest.Snapshot(t, env.Server.DB); after != before {
						t.Fatalf("a refused call changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
					}
				})
			}
		})
	}
}
