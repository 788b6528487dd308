package pyairtable_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	pyairtable "github.com/pyairtable/pyairtable/sdk/go"
)

func products(t testing.TB, n int) []*datav1.RecordInput {
	t.Helper()
	out := make([]*datav1.RecordInput, n)
	for i := range out {
		out[i] = &datav1.RecordInput{Fields: mustFields(t, map[string]any{"Name": fmt.Sprintf("Item %04d", i), "Price": i})}
	}
	return out
}

// progressLog records what a batch helper reports.
type progressLog [][2]int

func (p *progressLog) report(done, total int) { *p = append(*p, [2]int{done, total}) }

// TestBatchesOfThousands creates, updates and deletes 2500 records in
// chunks of 1000, the server's limit, reporting progress after each.
func TestBatchesOfThousands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(t)
	table := newTable(t, c, "Batches")
	want := progressLog{{1000, 2500}, {2000, 2500}, {2500, 2500}}

	var progress progressLog
	created, err := c.CreateAllRecords(ctx, &datav1.CreateRecordsRequest{TableId: table, Records: products(t, 2500)}, progress.report)
	if err != nil {
		t.Fatalf("CreateAllRecords: %v", err)
	}
	if !slices.Equal(progress, want) {
		t.Fatalf("progress %v; want %v", progress, want)
	}
	if len(created) != 2500 || created[1234].GetFields()["Name"].GetStringValue() != "Item 1234" {
		t.Fatalf("created %d records (the 1235th named %v); want 2500, in order", len(created), created[1234].GetFields()["Name"])
	}
	var listed []string
	for rec, err := range c.ListAllRecords(ctx, &datav1.ListRecordsRequest{TableId: table, PageSize: 1000}) {
		if err != nil {
			t.Fatal(err)
		}
		listed = append(listed, rec.GetId())
	}
	var ids []string
	for _, r := range created {
		ids = append(ids, r.GetId())
	}
	if !slices.Equal(listed, ids) {
		t.Fatalf("listed %d records; want the %d created, in creation order", len(listed), len(ids))
	}

	updates := make([]*datav1.RecordUpdate, len(created))
	refs := make([]*datav1.RecordRef, len(created))
	for i, r := range created {
		updates[i] = &datav1.RecordUpdate{Id: r.GetId(), Fields: map[string]*structpb.Value{"Price": structpb.NewNumberValue(float64(i) + 0.5)}}
		refs[i] = &datav1.RecordRef{Id: r.GetId()}
	}
	progress = nil
	up, err := c.UpdateAllRecords(ctx, &datav1.UpdateRecordsRequest{TableId: table, Records: updates}, progress.report)
	if err != nil {
		t.Fatalf("UpdateAllRecords: %v", err)
	}
	if !slices.Equal(progress, want) || len(up.GetUpdatedRecordIds()) != 2500 || up.GetRecords()[2499].GetFields()["Price"].GetNumberValue() != 2499.5 {
		t.Fatalf("update: progress %v, %d updated, last price %v", progress, len(up.GetUpdatedRecordIds()), up.GetRecords()[2499].GetFields()["Price"])
	}

	progress = nil
	del, err := c.DeleteAllRecords(ctx, &datav1.DeleteRecordsRequest{TableId: table, Records: refs}, progress.report)
	if err != nil {
		t.Fatalf("DeleteAllRecords: %v", err)
	}
	if !slices.Equal(progress, want) || len(del.GetDeletedRecordIds()) != 2500 || del.GetPurgeTime() == nil {
		t.Fatalf("delete: progress %v, %d deleted", progress, len(del.GetDeletedRecordIds()))
	}
	if n := count(t, c, table); n != 0 {
		t.Fatalf("%d records left after deleting all; want 0", n)
	}
}

// TestBatchFailureReturnsWhatWasDone fails the second of three chunks: the
// first stays written and is returned, the failed chunk writes nothing,
// the third is not sent, and the error names the record in the batch.
func TestBatchFailureReturnsWhatWasDone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(t, pyairtable.WithBatchSize(10))
	table := newTable(t, c, "Batch failure")
	records := products(t, 25)
	records[13].Fields["Price"] = structpb.NewStringValue("cheap")

	var progress progressLog
	created, err := c.CreateAllRecords(ctx, &datav1.CreateRecordsRequest{TableId: table, Records: records}, progress.report)
	var be *pyairtable.BatchError
	if !errors.As(err, &be) || be.Done != 10 || be.Offset != 10 || be.Size != 10 {
		t.Fatalf("error %v (%+v); want a BatchError for records 10 to 19, 10 done", err, be)
	}
	if len(created) != 10 || !slices.Equal(progress, progressLog{{10, 25}}) {
		t.Fatalf("returned %d records with progress %v; want the first chunk's 10", len(created), progress)
	}
	vs := pyairtable.FieldViolations(err)
	if !pyairtable.IsInvalidArgument(err) || len(vs) != 1 || vs[0].Path != `records[3].fields["Price"]` {
		t.Fatalf("violations %+v of %v; want one at records[3] of the chunk (record 13 of the batch)", vs, err)
	}
	if n := count(t, c, table); n != 10 {
		t.Fatalf("%d records written; want the first chunk's 10", n)
	}
}

// TestBatchRequestIDMakesRerunsSafe runs the same batch twice with the
// same request id: each chunk's id derives from it, so the second run
// writes nothing and returns the same records.
func TestBatchRequestIDMakesRerunsSafe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(t, pyairtable.WithBatchSize(10))
	table := newTable(t, c, "Batch rerun")
	req := &datav1.CreateRecordsRequest{TableId: table, Records: products(t, 25), RequestId: "import-" + pyairtable.NewRequestID()}
	first, err := c.CreateAllRecords(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreateAllRecords(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, c, table); n != 25 {
		t.Fatalf("%d records after running a batch of 25 twice with one request id; want 25", n)
	}
	if len(again) != 25 || again[24].GetId() != first[24].GetId() {
		t.Fatalf("the rerun returned %d records; want the first run's 25", len(again))
	}
	if _, err := c.CreateAllRecords(ctx, &datav1.CreateRecordsRequest{TableId: table, Records: products(t, 1),
		RequestId: strings.Repeat("a", 127)}, nil); err == nil {
		t.Fatal("a request id too long to derive chunk ids from was accepted")
	}
}
