package pyairtable_test

import (
	"context"
	"testing"

	"connectrpc.com/connect"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	pyairtable "github.com/pyairtable/pyairtable/sdk/go"
)

// TestRequestIDs checks the ids the SDK gives writes: a fresh one per
// call (so reusing a request message writes again), and the caller's own
// when set (so a repeat returns the first response).
func TestRequestIDs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(t)
	table := newTable(t, c, "Request ids")
	req := &datav1.CreateRecordsRequest{TableId: table, Records: []*datav1.RecordInput{{Fields: mustFields(t, map[string]any{"Name": "Pen"})}}}
	first, err := c.Records.CreateRecords(ctx, connect.NewRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Records.CreateRecords(ctx, connect.NewRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	if req.GetRequestId() != "" || first.Msg.GetRecords()[0].GetId() == second.Msg.GetRecords()[0].GetId() || count(t, c, table) != 2 {
		t.Fatalf("one message sent twice: request id left %q, records %s and %s; want two records and the message untouched",
			req.GetRequestId(), first.Msg.GetRecords()[0].GetId(), second.Msg.GetRecords()[0].GetId())
	}

	req.RequestId = "order-" + pyairtable.NewRequestID()
	third, err := c.Records.CreateRecords(ctx, connect.NewRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Records.CreateRecords(ctx, connect.NewRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	if third.Msg.GetRecords()[0].GetId() != again.Msg.GetRecords()[0].GetId() || count(t, c, table) != 3 {
		t.Fatalf("the caller's request id sent twice made records %s and %s; want one",
			third.Msg.GetRecords()[0].GetId(), again.Msg.GetRecords()[0].GetId())
	}

	req.Records[0].Fields["Name"] = mustFields(t, map[string]any{"Name": "Lamp"})["Name"]
	_, err = c.Records.CreateRecords(ctx, connect.NewRequest(req))
	if !pyairtable.IsInvalidArgument(err) || pyairtable.Reason(err) != "REQUEST_ID_REUSED" {
		t.Fatalf("the same id with another request: %v; want INVALID_ARGUMENT, REQUEST_ID_REUSED", err)
	}
}
