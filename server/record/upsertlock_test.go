package record_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/record"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

// wKeys are upserts of Key k<from>…k<to-1>.
func wKeys(t testing.TB, from, to int, hits float64) []record.Update {
	var out []record.Update
	for i := from; i < to; i++ {
		out = append(out, wUp(t, "", "", map[string]any{"Key": "k" + strconv.Itoa(i), "Hits": hits}))
	}
	return out
}

// Concurrent upserts, big and small, that share keys of a field without
// a unique index create each key's record once.
func TestWriteUpsertLocks(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := wStart(t, db, wSpec("Key", wText), wSpec("Hits", wNumber))
		up := record.UpdateOptions{MergeFields: []string{"Key"}}
		batches := [][]record.Update{wKeys(t, 0, 200, 1), wKeys(t, 0, 200, 2), wKeys(t, 7, 8, 3), wKeys(t, 150, 151, 4),
			wKeys(t, 250, 251, 5), wKeys(t, 7, 8, 6), wKeys(t, 190, 260, 7)}
		var wg sync.WaitGroup
		errs := make(chan error, len(batches))
		for _, b := range batches {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.update(t, up, b...); err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		var keys, dups int
		phys, key := f.phys(t), f.field(t, "Key").ColumnName
		wMust(t, db.NewRaw("SELECT COUNT(DISTINCT "+key+") FROM "+phys).Scan(context.Background(), &keys))
		wMust(t, db.NewRaw("SELECT COUNT(*) FROM (SELECT "+key+" FROM "+phys+" GROUP BY "+key+" HAVING COUNT(*) > 1) AS d").
			Scan(context.Background(), &dups))
		if live, _ := f.rows(t); live != 260 || keys != 260 || dups != 0 {
			t.Fatalf("%d records, %d keys, %d keys held twice; want 260 keys once each", live, keys, dups)
		}
		if db.Engine != storage.Postgres {
			return
		}
		// One advisory lock per distinct key, held to the end of the
		// transaction.
		wMust(t, db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			batch := wKeys(t, 0, 300, 9)
			_, _, err := f.recs.Update(ctx, tx, f.table.ID, batch,
				record.UpdateOptions{WriteOptions: record.WriteOptions{UserID: f.userID}, MergeFields: []string{"Key"}})
			if err != nil {
				return err
			}
			var n int
			if err := tx.NewRaw("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()").
				Scan(ctx, &n); err != nil {
				return err
			}
			if n != len(batch) {
				t.Errorf("an upsert of %d keys holds %d advisory locks", len(batch), n)
			}
			return nil
		}))
	})
}
