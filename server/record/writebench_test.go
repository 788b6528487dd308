package record_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
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

// wBenchUpserts are n input records like wBenchRows, varied by round: the
// even ones take the emails of wBenchRows' records (user<k>@…, so an
// upsert by Email updates them), the odd ones new emails
// (<prefix><round>-<k>@…).
func wBenchUpserts(t testing.TB, n, round int, prefix string) []record.Update {
	notes := strings.Repeat("dolor sit amet lorem ipsum ", 32)[:850]
	out := make([]record.Update, n)
	for i := range out {
		email := "user" + strconv.Itoa(i) + "@example.com"
		if i%2 == 1 {
			email = prefix + strconv.Itoa(round) + "-" + strconv.Itoa(i) + "@example.com"
		}
		out[i] = record.Update{Fields: wCells(t, map[string]any{
			"Name": "round " + strconv.Itoa(round) + " record " + strconv.Itoa(i), "Notes": notes, "Status": "Done",
			"Count": float64(round*n + i), "Price": 13.25, "Active": (i+round)%2 == 0, "Due": "2026-12-01", "Email": email,
			"Tags": []any{"Green"}, "Cost": float64(round),
		})}
	}
	return out
}

// BenchmarkUpdate measures Update (a patch of every field) of 1000
// records of 1 KB in one batch on each engine, and a patch of two fields.
func BenchmarkUpdate(b *testing.B) {
	for _, engine := range storagetest.Engines {
		for _, shape := range []string{"all-fields", "two-fields"} {
			b.Run(string(engine)+"/"+shape, func(b *testing.B) {
				db := storagetest.Open(b, engine)
				f := wStart(b, db, wBenchSpecs()...)
				ctx := context.Background()
				var recIDs []string
				wMust(b, db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
					_, recs, err := f.recs.Create(ctx, tx, f.table.ID, wBenchRows(b, record.MaxBatch), record.WriteOptions{UserID: f.userID})
					for _, r := range recs {
						recIDs = append(recIDs, r.ID)
					}
					return err
				}))
				rounds := make([][]record.Update, 2)
				for k := range rounds {
					rounds[k] = wBenchUpserts(b, record.MaxBatch, k, "new")
					for i := range rounds[k] {
						rounds[k][i].ID = recIDs[i]
						delete(rounds[k][i].Fields, "Email")
						if shape == "two-fields" {
							rounds[k][i].Fields = record.Cells{"Count": rounds[k][i].Fields["Count"], "Status": rounds[k][i].Fields["Status"]}
						}
					}
				}
				b.ResetTimer()
				start := time.Now()
				for n := range b.N {
					wMust(b, db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
						_, _, err := f.recs.Update(ctx, tx, f.table.ID, rounds[n%2], record.UpdateOptions{WriteOptions: record.WriteOptions{UserID: f.userID}})
						return err
					}))
				}
				b.ReportMetric(float64(b.N*record.MaxBatch)/time.Since(start).Seconds(), "records/s")
			})
		}
	}
}

// BenchmarkUpsert measures an upsert by a unique Email of 1000 records of
// 1 KB a batch, half of them existing records (new values) and half new,
// on each engine. On PostgreSQL it also writes such batches raw (INSERT …
// ON CONFLICT on the unique index) and reports the ratio.
func BenchmarkUpsert(b *testing.B) {
	for _, engine := range storagetest.Engines {
		b.Run(string(engine), func(b *testing.B) {
			db := storagetest.Open(b, engine)
			f := wStart(b, db, wBenchSpecs()...)
			f.makeUnique(b, "Email")
			ctx := context.Background()
			wMust(b, db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				_, _, err := f.recs.Create(ctx, tx, f.table.ID, wBenchRows(b, record.MaxBatch), record.WriteOptions{UserID: f.userID})
				return err
			}))
			batches := make([][]record.Update, b.N)
			for n := range batches {
				batches[n] = wBenchUpserts(b, record.MaxBatch, n, "new")
			}
			o := record.UpdateOptions{WriteOptions: record.WriteOptions{UserID: f.userID}, MergeFields: []string{"Email"}}
			b.ResetTimer()
			start := time.Now()
			for n := range b.N {
				wMust(b, db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
					_, res, err := f.recs.Update(ctx, tx, f.table.ID, batches[n], o)
					if err == nil && (len(res.Created) != record.MaxBatch/2 || len(res.Updated) != record.MaxBatch/2) {
						b.Fatalf("created %d, updated %d", len(res.Created), len(res.Updated))
					}
					return err
				}))
			}
			rate := float64(b.N*record.MaxBatch) / time.Since(start).Seconds()
			b.ReportMetric(rate, "records/s")
			if engine == storage.Postgres {
				b.StopTimer()
				rawRate := wRawUpsertRate(b, db, f, b.N)
				b.ReportMetric(rawRate, "raw-records/s")
				b.ReportMetric(rate/rawRate, "of-raw")
			}
		})
	}
}

// wRawUpsertRate writes rounds batches like BenchmarkUpsert's straight
// into the table with INSERT … ON CONFLICT on the unique Email index (a
// batch per transaction, one statement each) and returns rows per second.
func wRawUpsertRate(b *testing.B, db *storage.DB, f *wFix, rounds int) float64 {
	ctx := context.Background()
	tbl, err := f.schemas.GetTable(ctx, db, f.table.ID)
	wMust(b, err)
	cols := []string{"id", "created_at", "updated_at", "created_by", "updated_by"}
	var set []string
	email := tbl.FieldByRef("Email").ColumnName
	for _, fld := range tbl.Fields {
		cols = append(cols, fld.ColumnName)
		if fld.ColumnName != email {
			set = append(set, fld.ColumnName+" = excluded."+fld.ColumnName)
		}
	}
	set = append(set, "version = t.version + 1", "updated_at = excluded.updated_at", "updated_by = excluded.updated_by")
	var q strings.Builder
	q.WriteString("INSERT INTO " + tbl.Qualified(storage.Postgres) + " AS t (" + strings.Join(cols, ", ") + ") VALUES ")
	for i := range record.MaxBatch {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(")
		for j := range cols {
			if j > 0 {
				q.WriteString(", ")
			}
			q.WriteString("$" + strconv.Itoa(i*len(cols)+j+1))
		}
		q.WriteString(")")
	}
	q.WriteString(" ON CONFLICT (" + email + ") WHERE deleted_at IS NULL DO UPDATE SET " + strings.Join(set, ", "))
	notes := strings.Repeat("dolor sit amet lorem ipsum ", 32)[:850]
	_, opts := tbl.FieldByRef("Status").TypeOptions()
	status := opts.GetSelect().GetChoices()[2].GetId()
	_, opts = tbl.FieldByRef("Tags").TypeOptions()
	tags := `["` + opts.GetSelect().GetChoices()[1].GetId() + `"]`
	due := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	conn, err := db.DB.DB.Conn(ctx)
	wMust(b, err)
	defer conn.Close()
	start := time.Now()
	wMust(b, conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		for round := range rounds {
			args := make([]any, 0, record.MaxBatch*len(cols))
			now := time.Now()
			for i := range record.MaxBatch {
				mail := "user" + strconv.Itoa(i) + "@example.com"
				if i%2 == 1 {
					mail = "raw" + strconv.Itoa(round) + "-" + strconv.Itoa(i) + "@example.com"
				}
				args = append(args, ids.New(ids.Record), now, now, f.userID, f.userID, "round "+strconv.Itoa(round)+" record "+strconv.Itoa(i),
					notes, status, float64(round*record.MaxBatch+i), 13.25, (i+round)%2 == 0, due, mail, tags, float64(round))
			}
			tx, err := pc.Begin(ctx)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, q.String(), args...); err != nil {
				return err
			}
			if err := tx.Commit(ctx); err != nil {
				return err
			}
		}
		return nil
	}))
	return float64(rounds*record.MaxBatch) / time.Since(start).Seconds()
}

// BenchmarkUpsertConcurrent measures upserts as BenchmarkUpsert's by 4
// clients at once, each with its own keys (half existing records, half
// new), as the records benchmark's clients send them.
func BenchmarkUpsertConcurrent(b *testing.B) {
	const clients = 4
	for _, engine := range storagetest.Engines {
		b.Run(string(engine), func(b *testing.B) {
			db := storagetest.Open(b, engine)
			f := wStart(b, db, wBenchSpecs()...)
			f.makeUnique(b, "Email")
			ctx := context.Background()
			rows := wBenchRows(b, clients*record.MaxBatch)
			for start := 0; start < len(rows); start += record.MaxBatch {
				wMust(b, db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
					_, _, err := f.recs.Create(ctx, tx, f.table.ID, rows[start:start+record.MaxBatch], record.WriteOptions{UserID: f.userID})
					return err
				}))
			}
			batches := make([][][]record.Update, clients)
			for c := range batches {
				for n := range b.N {
					batch := wBenchUpserts(b, record.MaxBatch, n, "new-c"+strconv.Itoa(c)+"-")
					for i := 0; i < len(batch); i += 2 {
						batch[i].Fields["Email"] = wCells(b, map[string]any{"e": "user" + strconv.Itoa(c*record.MaxBatch+i) + "@example.com"})["e"]
					}
					batches[c] = append(batches[c], batch)
				}
			}
			o := record.UpdateOptions{WriteOptions: record.WriteOptions{UserID: f.userID}, MergeFields: []string{"Email"}}
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			for c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for _, batch := range batches[c] {
						if err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
							_, _, err := f.recs.Update(ctx, tx, f.table.ID, batch, o)
							return err
						}); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				b.Fatal(err)
			}
			b.ReportMetric(float64(clients*b.N*record.MaxBatch)/time.Since(start).Seconds(), "records/s")
		})
	}
}
