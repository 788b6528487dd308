package pyairtable_test

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	pyairtable "github.com/pyairtable/pyairtable/sdk/go"
)

// TestListAllRecordsFetchesOnlyWhatIsRead counts the pages requested on
// the wire: a full iteration fetches every page, a loop that stops early
// fetches no page beyond the one it stopped in.
func TestListAllRecordsFetchesOnlyWhatIsRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	table := newTable(t, newClient(t), "Iteration")
	if _, err := newClient(t).CreateAllRecords(ctx, &datav1.CreateRecordsRequest{TableId: table, Records: products(t, 5)}, nil); err != nil {
		t.Fatal(err)
	}
	pages := func(p *cutProxy) int { return strings.Count(p.Sent(), "/pyairtable.data.v1.RecordService/ListRecords") }
	req := &datav1.ListRecordsRequest{TableId: table, PageSize: 2}

	all := newCutProxy(t, serverURL, false)
	var names []string
	for rec, err := range newClientAt(t, all.URL, token).ListAllRecords(ctx, req) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, rec.GetFields()["Name"].GetStringValue())
	}
	if strings.Join(names, ",") != "Item 0000,Item 0001,Item 0002,Item 0003,Item 0004" || pages(all) != 3 {
		t.Fatalf("iterated %v in %d pages; want 5 records in 3 pages of 2", names, pages(all))
	}
	if req.GetPageToken() != "" {
		t.Fatalf("the iterator changed the caller's request: page token %q", req.GetPageToken())
	}

	early := newCutProxy(t, serverURL, false)
	n := 0
	for _, err := range newClientAt(t, early.URL, token).ListAllRecords(ctx, req) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	if pages(early) != 2 {
		t.Fatalf("stopping at the 3rd record fetched %d pages; want 2", pages(early))
	}
}

// TestListAllRecordsYieldsErrorsOnce lists a table that does not exist: the
// iterator yields the error once and stops.
func TestListAllRecordsYieldsErrorsOnce(t *testing.T) {
	t.Parallel()
	calls := 0
	for rec, err := range newClient(t).ListAllRecords(context.Background(), &datav1.ListRecordsRequest{TableId: "tbl00000000000000"}) {
		calls++
		if rec != nil || !pyairtable.IsNotFound(err) || connect.CodeOf(err) != connect.CodeNotFound {
			t.Fatalf("yielded %v, %v; want nil and NOT_FOUND", rec, err)
		}
	}
	if calls != 1 {
		t.Fatalf("yielded %d times; want once", calls)
	}
}
