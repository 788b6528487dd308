package record_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/pagetoken"
	"github.com/pyairtable/pyairtable/server/record"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

// sToken is the text record i holds after its k-th update: no token is a
// substring of another.
func sToken(i, k int) string { return fmt.Sprintf("x%dy%dz", i, k) }

// TestSearchIndexerRacesWriters: writers update records while the indexer
// runs the whole time. When they stop, every record's latest text is
// found and its earlier text is not, before any further indexing (a
// record indexed with old text and not queued again would be missed), and
// after it.
func TestSearchIndexerRacesWriters(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := rStart(t, db, []schema.FieldSpec{{Name: "Name", Type: sText}, {Name: "Notes", Type: sLong}})
		const records, writers, rounds = 24, 4, 15
		rows := make([]map[string]any, records)
		for i := range rows {
			rows[i] = map[string]any{"Name": fmt.Sprintf("rec%d", i), "Notes": "start " + sToken(i, 0)}
		}
		ids := f.rInsert(t, rows...)
		if _, err := f.schemas.IndexSearch(ctx, f.table.ID); err != nil {
			t.Fatal(err)
		}
		last := make([]int, records)
		stop := make(chan struct{})
		indexed := make(chan int)
		go func() {
			total := 0
			defer func() { indexed <- total }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				n, err := f.schemas.IndexSearch(ctx, f.table.ID)
				if err != nil {
					t.Error(err)
					return
				}
				total += n
			}
		}()
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				for k := 1; k <= rounds; k++ {
					// Records w, w+writers, …: each has one writer, so its
					// last text is known.
					var batch []record.Update
					for i := w; i < records; i += writers {
						batch = append(batch, record.Update{ID: ids[i], Fields: sCells(t, map[string]any{"Notes": "now " + sToken(i, k)})})
					}
					err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
						_, _, err := f.recs.Update(ctx, tx, f.table.ID, batch, record.UpdateOptions{WriteOptions: record.WriteOptions{UserID: f.userID}})
						return err
					})
					if err != nil {
						t.Error(err)
						return
					}
					for i := w; i < records; i += writers {
						last[i] = k
					}
				}
			})
		}
		wg.Wait()
		close(stop)
		t.Logf("the indexer took %d queued records while the writers ran", <-indexed)
		for i := range records {
			if last[i] != rounds {
				t.Fatalf("record %d got %d updates", i, last[i])
			}
			f.sSearch(t, sToken(i, rounds), fmt.Sprintf("rec%d", i))
			f.sSearch(t, sToken(i, rounds-1))
		}
		if f.sQueued(t) != 0 || f.sMatches(t, sToken(0, rounds)) != 1 {
			t.Fatalf("after indexing: %d queued, %d rows with the last text of record 0", f.sQueued(t), f.sMatches(t, sToken(0, rounds)))
		}
	})
}

// TestSearchIndexedAfterWrites: with IndexAfterWrites, records written
// through the service are indexed in the background once writes pause,
// without a search; after Close, nothing is indexed any more.
func TestSearchIndexedAfterWrites(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := rStart(t, db, []schema.FieldSpec{{Name: "Name", Type: sText}, {Name: "Notes", Type: sLong}})
		f.schemas.IndexAfterWrites(20*time.Millisecond, 200*time.Millisecond)
		create := func(names ...string) {
			t.Helper()
			var batch []record.Cells
			for _, n := range names {
				batch = append(batch, sCells(t, map[string]any{"Name": n, "Notes": "note of " + n}))
			}
			rTx(t, db, func(ctx context.Context, tx bun.Tx) error {
				_, _, err := f.recs.Create(ctx, tx, f.table.ID, batch, record.WriteOptions{UserID: f.userID})
				return err
			})
		}
		create("alpha", "beta")
		create("gamma")
		if f.sQueued(t) == 0 {
			t.Fatal("nothing queued after the writes")
		}
		deadline := time.Now().Add(10 * time.Second)
		for f.sQueued(t) > 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if f.sQueued(t) != 0 || f.sMatches(t, "note of gamma") != 1 || f.sMatches(t, "note of alpha") != 1 {
			t.Fatalf("not indexed in the background: %d queued, %d and %d rows", f.sQueued(t), f.sMatches(t, "note of gamma"), f.sMatches(t, "note of alpha"))
		}
		f.schemas.Close()
		create("delta")
		time.Sleep(300 * time.Millisecond)
		if f.sQueued(t) != 1 {
			t.Fatalf("%d queued after Close, want the 1 record written", f.sQueued(t))
		}
	})
}

// TestFirstSearchesAtOnce: several first searches of a table without a
// search table (made before they existed) build it once, one after the
// other, and each gets the indexed condition and the right answer.
func TestFirstSearchesAtOnce(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := rStart(t, db, []schema.FieldSpec{{Name: "Name", Type: sText}, {Name: "Notes", Type: sLong}})
		f.rInsert(t, map[string]any{"Name": "alpha", "Notes": "first words"}, map[string]any{"Name": "beta", "Notes": "other text"})
		drops := []string{"DROP TRIGGER %s_fts_ai", "DROP TRIGGER %s_fts_au", "DROP TRIGGER %s_fts_ad", "DROP TABLE %s_fts", "DROP TABLE %s_fts_todo"}
		if db.Engine == storage.Postgres {
			sch := schema.QuoteIdent(f.table.BaseSchema) + "."
			drops = []string{"DROP TABLE " + sch + "%s_search", "DROP TABLE " + sch + "%s_search_todo", "DROP FUNCTION " + sch + "%s_search_queue() CASCADE"}
		}
		for _, q := range drops {
			if _, err := db.ExecContext(ctx, strings.ReplaceAll(q, "%s", f.table.PhysicalName)); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		conds := make([]string, 4)
		for i := range conds {
			svc := schema.NewService(db, pagetoken.New([]byte("read test key")), 0)
			t.Cleanup(svc.Close)
			wg.Go(func() { conds[i], _ = svc.SearchCandidates(ctx, f.table, "words") })
		}
		wg.Wait()
		for i, c := range conds {
			if c == "" {
				t.Fatalf("search %d ran without the index", i)
			}
		}
		f.sSearch(t, "words", "alpha")
	})
}
