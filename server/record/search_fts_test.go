package record_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/pagetoken"
	"github.com/pyairtable/pyairtable/server/record"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

// sSearch checks that a search finds exactly the named records (list and
// count). On SQLite it searches twice: with the changed records still
// queued for the search table, then after indexing them, so both the
// queue and the index are proven to give the exact answer.
func (f *rFix) sSearch(t *testing.T, term string, want ...string) {
	t.Helper()
	ctx := context.Background()
	check := func(when string) {
		t.Helper()
		got := rSorted(f.rNames(f.rAll(t, record.Query{Search: term, PageSize: 2})))
		if !slices.Equal(got, rSorted(want)) {
			t.Errorf("search %q (%s): %v, want %v", term, when, got, want)
		}
		n, err := f.recs.Count(ctx, f.table.ID, record.Query{Search: term})
		if err != nil || int(n) != len(want) {
			t.Errorf("count search %q (%s): %d %v, want %d", term, when, n, err, len(want))
		}
	}
	check("queued")
	n, err := f.schemas.IndexSearch(ctx, f.table.ID)
	if err != nil {
		t.Fatalf("index search: %v", err)
	}
	if f.db.Engine == storage.Postgres && n != 0 {
		t.Fatalf("IndexSearch took %d records on PostgreSQL", n)
	}
	check("indexed")
}

// sQueued counts the records waiting in a SQLite table's search queue.
func (f *rFix) sQueued(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.db.NewRaw("SELECT COUNT(*) FROM "+schema.QuoteIdent(f.table.PhysicalName+"_fts_todo")).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// sMatches counts the rows of a SQLite table's search table holding text.
func (f *rFix) sMatches(t *testing.T, text string) int {
	t.Helper()
	var n int
	fts := schema.QuoteIdent(f.table.PhysicalName + "_fts")
	if err := f.db.NewRaw("SELECT COUNT(*) FROM "+fts+" WHERE "+fts+" MATCH ?", `"`+text+`"`).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// sLatestVersion is the id of the table's newest schema version.
func (f *rFix) sLatestVersion(t *testing.T) string {
	t.Helper()
	page, err := f.schemas.ListVersions(context.Background(), f.db, f.table.ID, 1, "")
	if err != nil || len(page.Versions) == 0 {
		t.Fatalf("list versions: %v", err)
	}
	return page.Versions[0].ID
}

func sCells(t *testing.T, m map[string]any) record.Cells {
	t.Helper()
	out := record.Cells{}
	for k, v := range m {
		pv, err := structpb.NewValue(v)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = pv
	}
	return out
}

var (
	sText   = tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT
	sLong   = tablev1.FieldType_FIELD_TYPE_LONG_TEXT
	sNumber = tablev1.FieldType_FIELD_TYPE_NUMBER
)

// TestSearchFollowsWritesAndSchema: search answers exactly, on both
// engines, through record writes (update, delete, restore, purge), a type
// change into text, a field deletion, rollbacks, and for terms shorter
// than a trigram. On SQLite the search table's queue takes every change
// and indexing empties it; a purged record leaves the index.
func TestSearchFollowsWritesAndSchema(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := rStart(t, db, []schema.FieldSpec{{Name: "Name", Type: sText}, {Name: "Notes", Type: sLong},
			{Name: "Code", Type: sNumber}, {Name: "Extra", Type: sText}})
		f.rInsert(t,
			map[string]any{"Name": "alpha", "Notes": "The Quick Brown fox", "Code": 12345, "Extra": "zebra crossing"},
			map[string]any{"Name": "beta", "Notes": "lazy dog", "Code": 678, "Extra": "Zebra"},
			map[string]any{"Name": "gamma", "Notes": "ÉCOLE straße \"quoted\"", "Code": 12399})
		if db.Engine == storage.SQLite && f.sQueued(t) != 3 {
			t.Fatalf("%d records queued after 3 inserts", f.sQueued(t))
		}
		f.sSearch(t, "QUICK brown", "alpha")
		f.sSearch(t, "école", "gamma")
		f.sSearch(t, `e "quoted"`, "gamma")
		f.sSearch(t, "zebra", "alpha", "beta")
		f.sSearch(t, "123") // numbers are not searched
		f.sSearch(t, "fox the")
		if db.Engine == storage.SQLite && f.sQueued(t) != 0 {
			t.Fatalf("%d records still queued after indexing", f.sQueued(t))
		}

		// A record update: the old text stops matching, the new one does.
		rTx(t, db, func(ctx context.Context, tx bun.Tx) error {
			_, _, err := f.recs.Update(ctx, tx, f.table.ID, []record.Update{{ID: f.ids["alpha"], Fields: sCells(t, map[string]any{"Notes": "slow turtle"})}},
				record.UpdateOptions{WriteOptions: record.WriteOptions{UserID: f.userID}})
			return err
		})
		f.sSearch(t, "quick")
		f.sSearch(t, "TURTLE", "alpha")

		// Short terms go without the index, with the same answers.
		f.sSearch(t, "et", "beta")
		f.sSearch(t, "A", "alpha", "beta", "gamma")
		f.sSearch(t, "ß", "gamma")

		// A type change into text: the converted cells are found.
		beforeRetype := f.sLatestVersion(t)
		kind := sText
		rTx(t, db, func(ctx context.Context, tx bun.Tx) error {
			_, err := f.schemas.UpdateField(ctx, tx, f.table.ID, f.fields["Code"].ID, "", f.userID, schema.FieldPatch{Type: &kind})
			return err
		})
		f.reload(t)
		afterRetype, textCode := f.sLatestVersion(t), f.fields["Code"].ColumnName
		f.sSearch(t, "123", "alpha", "gamma")
		f.sSearch(t, "678", "beta")

		// A deleted field's text no longer matches.
		beforeDelete := f.sLatestVersion(t)
		rTx(t, db, func(ctx context.Context, tx bun.Tx) error {
			_, err := f.schemas.DeleteField(ctx, tx, f.table.ID, f.fields["Extra"].ID, "")
			return err
		})
		f.reload(t)
		f.sSearch(t, "zebra")
		f.sSearch(t, "crossing")
		// Text written while the field is deleted cannot be in the index
		// of the hidden column; a rollback brings the field back with it.
		if _, err := db.ExecContext(ctx, "UPDATE "+f.phys+" SET "+
			schema.QuoteIdent(f.columnOfDeleted(t, "Extra"))+" = 'giraffe' WHERE id = ?", f.ids["gamma"]); err != nil {
			t.Fatal(err)
		}
		f.sSearch(t, "giraffe")
		rTx(t, db, func(ctx context.Context, tx bun.Tx) error {
			_, err := f.schemas.RollbackTable(ctx, tx, f.table.ID, beforeDelete, "")
			return err
		})
		f.reload(t)
		f.sSearch(t, "zebra", "alpha", "beta")
		f.sSearch(t, "giraffe", "gamma")
		f.sSearch(t, "123", "alpha", "gamma")

		// Rolled back before the type change: numbers again.
		rTx(t, db, func(ctx context.Context, tx bun.Tx) error {
			_, err := f.schemas.RollbackTable(ctx, tx, f.table.ID, beforeRetype, "")
			return err
		})
		f.reload(t)
		f.sSearch(t, "123")
		f.sSearch(t, "zebra", "alpha", "beta")
		// Text written into the hidden text column meanwhile, which no
		// trigger follows, is found once a rollback brings it back.
		if _, err := db.ExecContext(ctx, "UPDATE "+f.phys+" SET "+schema.QuoteIdent(textCode)+" = 'hidden99' WHERE id = ?", f.ids["alpha"]); err != nil {
			t.Fatal(err)
		}
		rTx(t, db, func(ctx context.Context, tx bun.Tx) error {
			_, err := f.schemas.RollbackTable(ctx, tx, f.table.ID, afterRetype, "")
			return err
		})
		f.reload(t)
		f.sSearch(t, "hidden99", "alpha")
		f.sSearch(t, "123", "gamma")
		f.sSearch(t, "zebra", "alpha", "beta")

		// Delete, restore, purge.
		rTx(t, db, func(ctx context.Context, tx bun.Tx) error {
			_, _, err := f.recs.Delete(ctx, tx, f.table.ID, []record.Ref{{ID: f.ids["beta"]}}, f.userID)
			return err
		})
		f.sSearch(t, "lazy")
		rTx(t, db, func(ctx context.Context, tx bun.Tx) error {
			_, _, err := f.recs.Restore(ctx, tx, f.table.ID, []string{f.ids["beta"]}, f.userID)
			return err
		})
		f.sSearch(t, "lazy", "beta")
		if db.Engine == storage.SQLite && f.sMatches(t, "lazy") != 1 {
			t.Fatalf("the index holds %d rows with \"lazy\" before the purge", f.sMatches(t, "lazy"))
		}
		f.rDelete(t, time.Now().AddDate(-10, 0, 0), f.ids["beta"])
		if n, err := f.recs.PurgeExpired(ctx); err != nil || n != 1 {
			t.Fatalf("purge: %d %v", n, err)
		}
		f.sSearch(t, "lazy")
		f.sSearch(t, "zebra", "alpha")
		if db.Engine == storage.SQLite && f.sMatches(t, "lazy") != 0 {
			t.Fatalf("the index still holds the purged record")
		}
	})
}

// columnOfDeleted is the physical column of a deleted field, read from
// the fields table.
func (f *rFix) columnOfDeleted(t *testing.T, name string) string {
	t.Helper()
	var col string
	if err := f.db.NewRaw("SELECT column_name FROM fields WHERE table_id = ? AND name = ?", f.table.ID, name).Scan(context.Background(), &col); err != nil {
		t.Fatal(err)
	}
	return col
}

// TestSearchAfterCompaction: a compaction rewrites the table; search keeps
// answering, and records written after it are found (the triggers were
// made again on SQLite).
func TestSearchAfterCompaction(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := rStart(t, db, []schema.FieldSpec{{Name: "Name", Type: sText}, {Name: "Qty", Type: sText}})
		f.schemas.SetColumnBudget(3)
		f.rInsert(t, map[string]any{"Name": "bolt", "Qty": "10"}, map[string]any{"Name": "nut", "Qty": "20"})
		f.sSearch(t, "bolt", "bolt")
		for _, kind := range []tablev1.FieldType{sNumber, sText, sLong} {
			rTx(t, db, func(ctx context.Context, tx bun.Tx) error {
				_, err := f.schemas.UpdateField(ctx, tx, f.table.ID, f.fields["Qty"].ID, "", f.userID, schema.FieldPatch{Type: &kind})
				return err
			})
			f.reload(t)
		}
		var hidden int
		if err := db.NewRaw("SELECT COUNT(*) FROM retired_columns WHERE table_id = ?", f.table.ID).Scan(context.Background(), &hidden); err != nil {
			t.Fatal(err)
		}
		if hidden > 1 {
			t.Fatalf("%d hidden columns: the table was not compacted", hidden)
		}
		f.sSearch(t, "bolt", "bolt")
		f.sSearch(t, "20", "nut")
		f.rInsert(t, map[string]any{"Name": "washer", "Qty": "five"})
		f.sSearch(t, "washer", "washer")
		f.sSearch(t, "FIVE", "washer")
	})
}

// TestSearchTableBuiltForExistingTables: a table made before search
// tables existed (simulated on SQLite by dropping its search table) gets
// one on its first search, which answers right at once; indexing then
// takes its records. PostgreSQL has no search table and answers the same.
func TestSearchTableBuiltForExistingTables(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := rStart(t, db, []schema.FieldSpec{{Name: "Name", Type: sText}, {Name: "Notes", Type: sLong}})
		f.rInsert(t, map[string]any{"Name": "alpha", "Notes": "old text here"}, map[string]any{"Name": "beta", "Notes": "other words"})
		if db.Engine == storage.SQLite {
			for _, q := range []string{"DROP TRIGGER %s_fts_ai", "DROP TRIGGER %s_fts_au", "DROP TRIGGER %s_fts_ad", "DROP TABLE %s_fts", "DROP TABLE %s_fts_todo"} {
				if _, err := db.ExecContext(ctx, strings.ReplaceAll(q, "%s", f.table.PhysicalName)); err != nil {
					t.Fatal(err)
				}
			}
			// Another service, as after a restart: nothing cached.
			pages := pagetoken.New([]byte("read test key"))
			f.schemas = schema.NewService(db, pages, 0)
			f.recs = record.NewService(db, f.schemas, f.views, pages, 0)
		}
		got := rSorted(f.rNames(f.rAll(t, record.Query{Search: "TEXT"})))
		if !slices.Equal(got, []string{"alpha"}) {
			t.Fatalf("first search: %v", got)
		}
		if db.Engine == storage.SQLite {
			if _, err := f.schemas.IndexSearch(ctx, f.table.ID); err != nil {
				t.Fatal(err)
			}
			if f.sMatches(t, "old text") != 1 || f.sMatches(t, "words") != 1 || f.sQueued(t) != 0 {
				t.Fatalf("the search table was not built: %d, %d, %d queued", f.sMatches(t, "old text"), f.sMatches(t, "words"), f.sQueued(t))
			}
		}
		f.sSearch(t, "words", "beta")
		f.rInsert(t, map[string]any{"Name": "gamma", "Notes": "new words"})
		f.sSearch(t, "words", "beta", "gamma")
	})
}

// TestSearchPlanUsesSearchTable: on SQLite, with a few thousand records,
// the search query reads the FTS5 table (the plan names the virtual
// table) and answers as the plain scan does; the timing of both is
// logged. On PostgreSQL there is no candidate condition (its trigram
// indexes serve the exact test; see page_test.go).
func TestSearchPlanUsesSearchTable(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := rStart(t, db, []schema.FieldSpec{{Name: "Name", Type: sText}, {Name: "Notes", Type: sLong}})
		const rows = 2000
		rTx(t, db, func(ctx context.Context, tx bun.Tx) error {
			batch := make([]record.Cells, 0, record.MaxBatch)
			for i := range rows {
				batch = append(batch, sCells(t, map[string]any{"Name": "item " + rItoa(i), "Notes": strings.Repeat("filler text ", 20) + "code" + rItoa(i*7919%100000) + ";"}))
				if len(batch) == record.MaxBatch {
					if _, _, err := f.recs.Create(ctx, tx, f.table.ID, batch, record.WriteOptions{UserID: f.userID}); err != nil {
						return err
					}
					batch = batch[:0]
				}
			}
			return nil
		})
		cond, args := f.schemas.SearchCandidates(ctx, f.table, "code7919;")
		if db.Engine == storage.Postgres {
			if cond != "" {
				t.Fatalf("a candidate condition on PostgreSQL: %s", cond)
			}
			return
		}
		// SearchCandidates started the indexer in the background; index
		// here too until the queue is empty, then every record is indexed.
		for {
			n, err := f.schemas.IndexSearch(ctx, f.table.ID)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
		var indexed int
		if err := db.NewRaw("SELECT count(*) FROM "+schema.QuoteIdent(strings.Trim(f.phys, `"`)+"_fts")).Scan(ctx, &indexed); err != nil {
			t.Fatal(err)
		}
		if indexed != rows {
			t.Fatalf("the search table holds %d records, want %d", indexed, rows)
		}
		if c, _ := f.schemas.SearchCandidates(ctx, f.table, "co"); c != "" {
			t.Fatalf("a candidate condition for a 2-character term: %s", c)
		}
		notes := schema.QuoteIdent(f.fields["Notes"].ColumnName)
		q := "SELECT id FROM " + f.phys + " WHERE deleted_at IS NULL AND " + cond +
			" AND lower(" + notes + ") LIKE '%code7919;%' ORDER BY seq LIMIT 101"
		var plan []struct {
			ID     int    `bun:"id"`
			Parent int    `bun:"parent"`
			NotUse int    `bun:"notused"`
			Detail string `bun:"detail"`
		}
		if err := db.NewRaw("EXPLAIN QUERY PLAN "+q, args...).Scan(ctx, &plan); err != nil {
			t.Fatal(err)
		}
		var details []string
		for _, p := range plan {
			details = append(details, p.Detail)
		}
		text := strings.Join(details, " | ")
		if !strings.Contains(text, "VIRTUAL TABLE") || !strings.Contains(text, f.table.PhysicalName+"_fts") {
			t.Fatalf("the plan does not read the search table: %s", text)
		}
		t.Logf("plan: %s", text)
		// i*7919 % 100000 is 7919 for i = 1 only, below 100000.
		got := f.rAll(t, record.Query{Search: "CODE7919;", PageSize: 100})
		if n, err := f.recs.Count(ctx, f.table.ID, record.Query{Search: "code7919;"}); len(got) != 1 || err != nil || n != 1 {
			t.Fatalf("search found %d records, count %d (%v); want 1", len(got), n, err)
		}
	})
}

// TestSearchAfterBackgroundConversion: a type change on a table above the
// inline threshold converts in an operation, batch by batch; the switched
// field's text is found, and so is text written during the conversion.
func TestSearchAfterBackgroundConversion(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := rStart(t, db, []schema.FieldSpec{{Name: "Name", Type: sText}, {Name: "Code", Type: sNumber}})
		f.schemas.SetInlineRows(1)
		f.rInsert(t, map[string]any{"Name": "alpha", "Code": 4242}, map[string]any{"Name": "beta", "Code": 17})
		kind := sText
		var change *schema.FieldChange
		rTx(t, db, func(ctx context.Context, tx bun.Tx) error {
			var err error
			change, err = f.schemas.UpdateField(ctx, tx, f.table.ID, f.fields["Code"].ID, "", f.userID, schema.FieldPatch{Type: &kind})
			return err
		})
		if change.Operation == nil {
			t.Fatal("the type change did not start an operation")
		}
		f.sSearch(t, "4242") // still a number until the switch
		f.rInsert(t, map[string]any{"Name": "gamma", "Code": 94242})
		if err := f.schemas.ConvertField(ctx, change.Operation); err != nil {
			t.Fatal(err)
		}
		f.reload(t)
		f.sSearch(t, "4242", "alpha", "gamma")
		f.sSearch(t, "17", "beta")
		if db.Engine == storage.SQLite && f.sMatches(t, "4242") != 2 {
			t.Fatalf("the index holds %d rows with 4242, want 2", f.sMatches(t, "4242"))
		}
	})
}
