package record_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/record"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

// wBenchSpecs are the ten benchmark field types.
func wBenchSpecs() []schema.FieldSpec {
	return []schema.FieldSpec{
		wSpec("Name", wText), wSpec("Notes", wLong), wSelect("Status", wSingle, "Todo", "Doing", "Done"),
		wSpec("Count", wNumber),
		{Name: "Price", Type: wNumber, Options: &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Number{Number: &tablev1.NumberOptions{Precision: 2}}}},
		wSpec("Active", wCheck), wSpec("Due", wDate), wSpec("Email", wEmail), wSelect("Tags", wMulti, "Red", "Green", "Blue"),
		wSpec("Cost", tablev1.FieldType_FIELD_TYPE_CURRENCY),
	}
}

// wBenchRows are n input records of about 1 KB.
func wBenchRows(t testing.TB, n int) []record.Cells {
	notes := strings.Repeat("lorem ipsum dolor sit amet ", 32)[:850]
	out := make([]record.Cells, n)
	for i := range out {
		out[i] = wCells(t, map[string]any{
			"Name": "record number " + strconv.Itoa(i), "Notes": notes, "Status": "Doing", "Count": float64(i),
			"Price": 12.5, "Active": i%2 == 0, "Due": "2026-11-21", "Email": "user" + strconv.Itoa(i) + "@example.com",
			"Tags": []any{"Red", "Blue"}, "Cost": 99.99,
		})
	}
	return out
}

// BenchmarkCreate measures Create of 1 KB records in batches of 1000 on
// each engine; on PostgreSQL it also loads the same rows by pgx CopyFrom,
// the ceiling of a bulk load, and reports the ratio.
func BenchmarkCreate(b *testing.B) {
	for _, engine := range storagetest.Engines {
		b.Run(string(engine), func(b *testing.B) {
			db := storagetest.Open(b, engine)
			f := wStart(b, db, wBenchSpecs()...)
			batch := wBenchRows(b, record.MaxBatch)
			ctx := context.Background()
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				wMust(b, db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
					_, _, err := f.recs.Create(ctx, tx, f.table.ID, batch, record.WriteOptions{UserID: f.userID})
					return err
				}))
			}
			rate := float64(b.N*record.MaxBatch) / time.Since(start).Seconds()
			b.ReportMetric(rate, "records/s")
			if engine == storage.Postgres {
				b.StopTimer()
				copyRate := wCopyRate(b, db, f, b.N*record.MaxBatch)
				b.ReportMetric(copyRate, "copy-records/s")
				b.ReportMetric(rate/copyRate, "of-copy")
			}
		})
	}
}

// wCopyRate loads n rows like the benchmark's into the table with pgx
// CopyFrom, a batch of 1000 per transaction, and returns rows per second.
func wCopyRate(b *testing.B, db *storage.DB, f *wFix, n int) float64 {
	ctx := context.Background()
	tbl, err := f.schemas.GetTable(ctx, db, f.table.ID)
	wMust(b, err)
	cols := []string{"id", "created_at", "updated_at", "created_by", "updated_by"}
	for _, fld := range tbl.Fields {
		cols = append(cols, fld.ColumnName)
	}
	notes := strings.Repeat("lorem ipsum dolor sit amet ", 32)[:850]
	_, opts := tbl.FieldByRef("Status").TypeOptions()
	status := opts.GetSelect().GetChoices()[1].GetId()
	_, opts = tbl.FieldByRef("Tags").TypeOptions()
	tags := `["` + opts.GetSelect().GetChoices()[0].GetId() + `","` + opts.GetSelect().GetChoices()[2].GetId() + `"]`
	conn, err := db.DB.DB.Conn(ctx)
	wMust(b, err)
	defer conn.Close()
	start := time.Now()
	wMust(b, conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		for done := 0; done < n; done += record.MaxBatch {
			rows := make([][]any, record.MaxBatch)
			now := time.Now()
			due := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
			for i := range rows {
				rows[i] = []any{ids.New(ids.Record), now, now, f.userID, f.userID, "record number " + strconv.Itoa(i), notes, status,
					float64(i), 12.5, i%2 == 0, due, "user" + strconv.Itoa(i) + "@example.com", tags, 99.99}
			}
			tx, err := pc.Begin(ctx)
			if err != nil {
				return err
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{tbl.BaseSchema, tbl.PhysicalName}, cols, pgx.CopyFromRows(rows)); err != nil {
				return err
			}
			if err := tx.Commit(ctx); err != nil {
				return err
			}
		}
		return nil
	}))
	return float64(n) / time.Since(start).Seconds()
}
