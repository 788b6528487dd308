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
// count). It searches twice: with the changed records still queued for
// the search table, then after indexing them, so both the queue and the
// index are proven to give the exact answer.
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
	_ = n
	check("indexed")
}

// sObject names one of the table's search objects: suffix "" for the
// search table, "_todo" for its queue.
func (f *rFix) sObject(suffix string) string {
	if f.db.Engine == storage.Postgres {
		return schema.QuoteIdent(f.table.BaseSchema) + "." + schema.QuoteIdent(f.table.PhysicalName+"_search"+suffix)
	}
	return schema.QuoteIdent(f.table.PhysicalName + "_fts" + suffix)
}

// sQueued counts the records waiting in the table's search queue.
func (f *rFix) sQueued(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.db.NewRaw("SELECT COUNT(*) FROM "+f.sObject("_todo")).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// sMatches counts the rows of the table's search table holding text
// (lower case).
func (f *rFix) sMatches(t *testing.T, text string) int {
	t.Helper()
	var n int
	side := f.sObject("")
	q, arg := "SELECT COUNT(*) FROM "+side+" WHERE "+side+" MATCH ?", `"`+text+`"`
	if f.db.Engine == storage.Postgres {
		q, arg = "SELECT COUNT(*) FROM "+side+" WHERE strpos(body, ?) > 0", text
	}
	if err := f.db.NewRaw(q, arg).Scan(context.Background(), &n); err != nil {
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
// than a trigram. The search table's queue takes every change and
// indexing empties it; a purged record leaves the index.
func TestSearchFollowsWritesAndSchema(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := rStart(t, db, []schema.FieldSpec{{Name: "Name", Type: sText}, {Name: "Notes", Type: sLong},
			{Name: "Code", Type: sNumber}, {Name: "Extra", Type: sText}})
		f.rInsert(t,
			map[string]any{"Name": "alpha", "Notes": "The Quick Brown fox", "Code": 12345, "Extra": "zebra crossing"},
			map[string]any{"Name": "beta", "Notes": "lazy dog", "Code": 678, "Extra": "Zebra"},
			map[string]any{"Name": "gamma", "Notes": "ÉCOLE straße \"quoted\"", "Code": 12399})
		if f.sQueued(t) != 3 {
			t.Fatalf("%d records queued after 3 inserts", f.sQueued(t))
		}
		f.sSearch(t, "QUICK brown", "alpha")
		f.sSearch(t, "école", "gamma")
		f.sSearch(t, `e "quoted"`, "gamma")
		f.sSearch(t, "zebra", "alpha", "beta")
		f.sSearch(t, "123") // numbers are not searched
		f.sSearch(t, "fox the")
		if f.sQueued(t) != 0 {
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
		if f.sMatches(t, "lazy") != 1 {
			t.Fatalf("the index holds %d rows with \"lazy\" before the purge", f.sMatches(t, "lazy"))
		}
		f.rDelete(t, time.Now().AddDate(-10, 0, 0), f.ids["beta"])
		if n, err := f.recs.PurgeExpired(ctx); err != nil || n != 1 {
			t.Fatalf("purge: %d %v", n, err)
		}
		f.sSearch(t, "lazy")
		f.sSearch(t, "zebra", "alpha")
		if f.sMatches(t, "lazy") != 0 {
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
// made again).
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
// tables existed (simulated by dropping its search table; on PostgreSQL
// with the pg_trgm index per text column such tables had) gets one on its
// first search, which answers right at once; indexing then takes its
// records, and the old per-column index is gone.
func TestSearchTableBuiltForExistingTables(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := rStart(t, db, []schema.FieldSpec{{Name: "Name", Type: sText}, {Name: "Notes", Type: sLong}})
		f.rInsert(t, map[string]any{"Name": "alpha", "Notes": "old text here"}, map[string]any{"Name": "beta", "Notes": "other words"})
		drops := []string{"DROP TRIGGER %s_fts_ai", "DROP TRIGGER %s_fts_au", "DROP TRIGGER %s_fts_ad", "DROP TABLE %s_fts", "DROP TABLE %s_fts_todo"}
		oldIndex := "sx_" + strings.ToLower(f.table.ID) + "_" + f.fields["Notes"].ColumnName
		if db.Engine == storage.Postgres {
			sch := schema.QuoteIdent(f.table.BaseSchema) + "."
			drops = []string{"DROP TABLE " + sch + "%s_search", "DROP TABLE " + sch + "%s_search_todo", "DROP FUNCTION " + sch + "%s_search_queue() CASCADE",
				"CREATE INDEX " + oldIndex + " ON " + f.phys + " USING gin (lower(" + f.fields["Notes"].ColumnName + ") public.gin_trgm_ops)"}
		}
		for _, q := range drops {
			if _, err := db.ExecContext(ctx, strings.ReplaceAll(q, "%s", f.table.PhysicalName)); err != nil {
				t.Fatal(err)
			}
		}
		// Another service, as after a restart: nothing cached.
		pages := pagetoken.New([]byte("read test key"))
		f.schemas = schema.NewService(db, pages, 0)
		f.recs = record.NewService(db, f.schemas, f.views, pages, 0)
		got := rSorted(f.rNames(f.rAll(t, record.Query{Search: "TEXT"})))
		if !slices.Equal(got, []string{"alpha"}) {
			t.Fatalf("first search: %v", got)
		}
		if _, err := f.schemas.IndexSearch(ctx, f.table.ID); err != nil {
			t.Fatal(err)
		}
		if f.sMatches(t, "old text") != 1 || f.sMatches(t, "words") != 1 || f.sQueued(t) != 0 {
			t.Fatalf("the search table was not built: %d, %d, %d queued", f.sMatches(t, "old text"), f.sMatches(t, "words"), f.sQueued(t))
		}
		if db.Engine == storage.Postgres {
			var left int
			if err := db.NewRaw("SELECT count(*) FROM pg_indexes WHERE indexname = ?", oldIndex).Scan(ctx, &left); err != nil || left != 0 {
				t.Fatalf("the old search index is still there: %d %v", left, err)
			}
		}
		f.sSearch(t, "words", "beta")
		f.rInsert(t, map[string]any{"Name": "gamma", "Notes": "new words"})
		f.sSearch(t, "words", "beta", "gamma")
	})
}

// TestSearchPlanUsesSearchTable: with a few thousand records, the search
// query reads the search table's index (SQLite: the plan names the FTS5
// virtual table; PostgreSQL: its trigram index) and answers as the plain
// scan does.
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
		if cond == "" {
			t.Fatal("no candidate condition")
		}
		// SearchCandidates started the indexer in the background; index
		// here too until the queue is empty (batches the background
		// indexer holds are skipped here), then every record is indexed.
		deadline := time.Now().Add(10 * time.Second)
		for f.sQueued(t) > 0 && time.Now().Before(deadline) {
			if _, err := f.schemas.IndexSearch(ctx, f.table.ID); err != nil {
				t.Fatal(err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		var indexed int
		if err := db.NewRaw("SELECT count(*) FROM "+f.sObject("")).Scan(ctx, &indexed); err != nil {
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
		var text string
		if db.Engine == storage.Postgres {
			if _, err := db.ExecContext(ctx, "ANALYZE "+f.sObject("")); err != nil {
				t.Fatal(err)
			}
			// Without sequential scans where an index can serve: the table
			// is small enough for the planner to prefer scans otherwise.
			var lines []string
			rTx(t, db, func(ctx context.Context, tx bun.Tx) error {
				if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
					return err
				}
				return tx.NewRaw("EXPLAIN "+q, args...).Scan(ctx, &lines)
			})
			text = strings.Join(lines, " | ")
			if !strings.Contains(text, f.table.PhysicalName+"_search_body") {
				t.Fatalf("the plan does not read the search index: %s", text)
			}
		} else {
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
			text = strings.Join(details, " | ")
			if !strings.Contains(text, "VIRTUAL TABLE") || !strings.Contains(text, f.table.PhysicalName+"_fts") {
				t.Fatalf("the plan does not read the search table: %s", text)
			}
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
		if f.sMatches(t, "4242") != 2 {
			t.Fatalf("the index holds %d rows with 4242, want 2", f.sMatches(t, "4242"))
		}
	})
}
