package record_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/operation"
	"github.com/pyairtable/pyairtable/server/record"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

// rQueries records the record lists' queries, as the database gets them.
type rQueries struct {
	mu  sync.Mutex
	all []string
}

func (h *rQueries) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (h *rQueries) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if strings.Contains(e.Query, " ORDER BY ") && strings.HasPrefix(e.Query, "SELECT seq, id") {
		h.mu.Lock()
		h.all = append(h.all, e.Query)
		h.mu.Unlock()
	}
}

func (h *rQueries) last(t *testing.T) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.all) == 0 {
		t.Fatal("no list query seen")
	}
	return h.all[len(h.all)-1]
}

// TestPagesUseIndex (PostgreSQL, 12k rows, ANALYZE): the grid query, an
// equality filter on a single select and a whole-number field sorted by a
// number, 100 records, is answered by the user index on (select, number,
// sort field) read in order: no Seq Scan and no Sort, on the first page
// and on later pages (whose cursor bounds the sort key). A search is
// answered by the trigram indexes.
func TestPagesUseIndex(t *testing.T) {
	db := storagetest.Open(t, storage.Postgres)
	hook := &rQueries{}
	db.AddQueryHook(hook)
	f := rStart(t, db, []schema.FieldSpec{
		{Name: "Name", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT},
		{Name: "Status", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, Options: rChoices("Todo", "Doing", "Done")},
		{Name: "Qty", Type: tablev1.FieldType_FIELD_TYPE_NUMBER},
		{Name: "Score", Type: tablev1.FieldType_FIELD_TYPE_NUMBER},
		{Name: "Notes", Type: tablev1.FieldType_FIELD_TYPE_LONG_TEXT},
	})
	ctx := context.Background()
	_, opts := f.fields["Status"].TypeOptions()
	var choiceIDs []string
	for _, c := range opts.GetSelect().GetChoices() {
		choiceIDs = append(choiceIDs, "'"+c.GetId()+"'")
	}
	col := func(name string) string { return schema.QuoteIdent(f.fields[name].ColumnName) }
	_, err := db.ExecContext(ctx, "INSERT INTO "+f.phys+" (id, created_at, updated_at, "+col("Name")+", "+col("Status")+", "+col("Qty")+", "+col("Score")+", "+col("Notes")+
		") SELECT 'rec' || lpad(g::text, 14, '0'), now(), now(), 'row ' || g, (ARRAY["+strings.Join(choiceIDs, ",")+"])[1 + g % 3], g % 2, "+
		"CASE WHEN g % 50 = 0 THEN NULL ELSE (g * 7919) % 10007 END, md5(g::text) FROM generate_series(1, 12000) AS g")
	if err != nil {
		t.Fatal(err)
	}
	var idxName string
	var op *operation.Operation
	rTx(t, db, func(ctx context.Context, tx bunTx) error {
		idx, o, err := f.schemas.CreateIndex(ctx, tx, f.table.ID, f.userID, []string{"Status", "Qty", "Score"})
		if err != nil {
			return err
		}
		idxName, op = idx.PhysicalName, o
		return nil
	})
	ops, err := f.schemas.ListIndexes(ctx, db, f.table.ID)
	if err != nil || len(ops) != 1 {
		t.Fatalf("indexes %v %v", ops, err)
	}
	if ops[0].State != schema.IndexReady {
		// Built by its operation: run it here.
		if err := f.schemas.BuildIndex(ctx, op); err != nil {
			t.Fatal(err)
		}
	}
	// VACUUM also moves the rows just loaded out of the GIN indexes'
	// pending lists, as autovacuum does.
	if _, err := db.ExecContext(ctx, "VACUUM ANALYZE "+f.phys); err != nil {
		t.Fatal(err)
	}
	explain := func(q string) string {
		var lines []string
		if err := db.NewRaw("EXPLAIN "+q).Scan(ctx, &lines); err != nil {
			t.Fatalf("explain %s: %v", q, err)
		}
		return strings.Join(lines, "\n")
	}
	q := record.Query{
		Filter: rAnd(rCond("Status", tablev1.Operator_OPERATOR_EQUAL, "Doing"), rCond("Qty", tablev1.Operator_OPERATOR_EQUAL, 1)),
		Sorts:  []*tablev1.Sort{rSort("Score", false)}, PageSize: 100,
	}
	for page := 1; page <= 3; page++ {
		p, err := f.recs.List(ctx, f.table.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Records) != 100 || p.Next == "" {
			t.Fatalf("page %d: %d records", page, len(p.Records))
		}
		sql := hook.last(t)
		plan := explain(sql)
		bounded := page == 1 || strings.Contains(plan, "Index Cond: ((c2 = ") && strings.Contains(plan, ">= ")
		if !strings.Contains(plan, idxName) || strings.Contains(plan, "Seq Scan") || strings.Contains(plan, "Sort") || !bounded {
			t.Fatalf("page %d: %s\nplan:\n%s", page, sql, plan)
		}
		t.Logf("page %d plan:\n%s", page, plan)
		q.PageToken = p.Next
	}
	// Search: a bitmap scan of the search table's trigram index, then
	// the records by seq; the records are not scanned.
	if _, err := f.recs.List(ctx, f.table.ID, record.Query{Search: "abc12"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.schemas.IndexSearch(ctx, f.table.ID); err != nil {
		t.Fatal(err)
	}
	side := schema.QuoteIdent(f.table.BaseSchema) + "." + schema.QuoteIdent(f.table.PhysicalName+"_search")
	if _, err := db.ExecContext(ctx, "VACUUM ANALYZE "+side); err != nil {
		t.Fatal(err)
	}
	plan := explain(hook.last(t))
	if !strings.Contains(plan, f.table.PhysicalName+"_search_body") || strings.Contains(plan, "Seq Scan on "+f.table.PhysicalName+" ") {
		t.Fatalf("search plan:\n%s", plan)
	}
	t.Logf("search plan:\n%s", plan)
}
