package record_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/record"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

// BenchmarkSearchIndex measures, on SQLite, a search for a rare term (in
// 20 records) over 20,000 records of about 1 KB (the create benchmark's), through the
// search table and by the plain scan the exact test alone would do, and
// reports how fast the indexer takes a table's queue.
func BenchmarkSearchIndex(b *testing.B) {
	db := storagetest.Open(b, storage.SQLite)
	f := wStart(b, db, wBenchSpecs()...)
	ctx := context.Background()
	const rows = 20 * record.MaxBatch
	batch := wBenchRows(b, record.MaxBatch)
	for range rows / record.MaxBatch {
		wMust(b, db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, _, err := f.recs.Create(ctx, tx, f.table.ID, batch, record.WriteOptions{UserID: f.userID})
			return err
		}))
	}
	start := time.Now()
	n, err := f.schemas.IndexSearch(ctx, f.table.ID)
	wMust(b, err)
	if n != rows {
		b.Fatalf("indexed %d records, want %d", n, rows)
	}
	indexRate := float64(n) / time.Since(start).Seconds()
	term := "user123@" // in 20 records: the batch is written 20 times
	b.Run("index", func(b *testing.B) {
		for range b.N {
			p, err := f.recs.List(ctx, f.table.ID, record.Query{Search: term})
			wMust(b, err)
			if len(p.Records) != 20 {
				b.Fatalf("found %d records", len(p.Records))
			}
		}
		b.ReportMetric(indexRate, "indexed-records/s")
	})
	b.Run("scan", func(b *testing.B) {
		tbl, err := f.schemas.GetTable(ctx, db, f.table.ID)
		wMust(b, err)
		var parts []string
		var args []any
		for _, fld := range tbl.Fields {
			if schema.Searchable(fld.Kind()) {
				parts = append(parts, schema.SearchExpr(db.Engine, fld)+" LIKE ?")
				args = append(args, "%"+term+"%")
			}
		}
		q := "SELECT id FROM " + tbl.Qualified(db.Engine) + " WHERE deleted_at IS NULL AND (" + strings.Join(parts, " OR ") + ") ORDER BY seq LIMIT 101"
		for range b.N {
			var got []string
			wMust(b, db.NewRaw(q, args...).Scan(ctx, &got))
			if len(got) != 20 {
				b.Fatalf("found %d records", len(got))
			}
		}
	})
}
