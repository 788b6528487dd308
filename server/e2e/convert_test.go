package e2e_test

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"

	operationv1 "github.com/pyairtable/pyairtable/gen/pyairtable/operation/v1"
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/config"
	"github.com/pyairtable/pyairtable/server/servertest"
)

// TestLargeTableConvertsInAnOperation: past the inline threshold a type
// change converts the cells in a background operation, then switches the
// field; the old cells stay untouched in their hidden column.
func TestLargeTableConvertsInAnOperation(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			env := servertest.Start(t, b, func(c *config.Config) { c.ConversionInlineRows = 2 })
			f := schStartOn(t, env)
			ctx := context.Background()
			tbl := f.createTable(t, "Readings", text("Name"), text("Value"))
			value := tbl.GetFields()[1]
			oldCol := f.column(t, tbl.GetId(), value.GetId())
			for _, v := range []string{"1.5", "2", "n/a", "40", ""} {
				f.insert(t, tbl.GetId(), map[string]any{oldCol: v})
			}
			resp, err := f.c.Tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{
				TableId: tbl.GetId(), FieldId: value.GetId(), Type: tablev1.FieldType_FIELD_TYPE_NUMBER.Enum(),
				Options: &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Number{Number: &tablev1.NumberOptions{Precision: 1}}},
			}))
			servertest.NoErr(t, err)
			op := resp.Msg.GetOperation()
			if op.GetKind() != operationv1.OperationKind_OPERATION_KIND_CONVERT_FIELD || op.GetState() != operationv1.OperationState_OPERATION_STATE_SUCCEEDED {
				t.Fatalf("operation = %v; want a succeeded CONVERT_FIELD", op)
			}
			if op.GetResult()["converted_cells"] != "3" || op.GetResult()["cleared_cells"] != "1" {
				t.Fatalf("result = %v; want 3 converted, 1 cleared", op.GetResult())
			}
			if resp.Msg.GetField().GetType() != tablev1.FieldType_FIELD_TYPE_NUMBER {
				t.Fatalf("field after the operation = %v", resp.Msg.GetField())
			}
			newCol := f.column(t, tbl.GetId(), value.GetId())
			if got := strings.Join(f.cells(t, tbl.GetId(), newCol), ","); got != "1.5,2,<nil>,40,<nil>" {
				t.Fatalf("converted cells = %s", got)
			}
			if got := strings.Join(f.cells(t, tbl.GetId(), oldCol), ","); got != "1.5,2,n/a,40," {
				t.Fatalf("old cells = %s", got)
			}
			list, err := f.c.Operations.ListOperations(ctx, connect.NewRequest(&operationv1.ListOperationsRequest{TableId: tbl.GetId()}))
			servertest.NoErr(t, err)
			if len(list.Msg.GetOperations()) != 1 || list.Msg.GetOperations()[0].GetId() != op.GetId() || list.Msg.GetOperations()[0].GetProgress() != 100 {
				t.Fatalf("operations = %v", list.Msg.GetOperations())
			}
		})
	}
}
