package record_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/record"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

// Fifty clients each add one to a number by read, then write with the
// etag, retrying on ETAG_MISMATCH: no increment is lost.
func TestWriteEtagsLoseNoUpdate(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := wStart(t, db, wSpec("Name", wText), wSpec("Count", wNumber))
		id := f.mustCreate(t, map[string]any{"Name": "counter", "Count": 0.0})[0]
		const clients = 50
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		var mu sync.Mutex
		retries := 0
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					cols, r, err := f.recs.Get(context.Background(), f.table.ID, id, []string{"Count"})
					if err != nil {
						errs <- err
						return
					}
					p, err := f.recs.Proto(cols, r, false)
					if err != nil {
						errs <- err
						return
					}
					n := 0.0
					if v, ok := p.Fields["Count"]; ok {
						n = v.GetNumberValue()
					}
					_, err = f.update(t, record.UpdateOptions{}, wUp(t, id, p.Etag, map[string]any{"Count": n + 1}))
					if e, ok := apperr.As(err); ok && e.Reason == record.ReasonEtagMismatch {
						mu.Lock()
						retries++
						mu.Unlock()
						continue
					}
					if err != nil {
						errs <- err
					}
					return
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		got, etag := f.get(t, id)
		if got["Count"] != float64(clients) || etag != "51" {
			t.Fatalf("count %v etag %s after %d clients (%d retries)", got["Count"], etag, clients, retries)
		}
		if log := f.log(t); len(log) != clients+1 {
			t.Fatalf("%d change log entries, want %d", len(log), clients+1)
		}
		t.Logf("%d retries", retries)
	})
}

// A write racing a type change of its field lands in the field's new
// column (converted, or checked against the new type) or is refused with a
// clear error; it is never lost in the retired column.
func TestWriteRacingTypeChange(t *testing.T) {
	for _, background := range []bool{false, true} {
		name := "inline"
		if background {
			name = "background"
		}
		t.Run(name, func(t *testing.T) {
			storagetest.Each(t, func(t *testing.T, db *storage.DB) {
				f := wStart(t, db, wSpec("Name", wText), wSpec("Val", wText))
				if background {
					f.schemas.SetInlineRows(1)
				}
				const n = 40
				rows := make([]map[string]any, n)
				for i := range rows {
					rows[i] = map[string]any{"Name": "r", "Val": "1"}
				}
				ids := f.mustCreate(t, rows...)
				valID := f.field(t, "Val").ID
				start := make(chan struct{})
				var wg sync.WaitGroup
				written := make([]bool, n)
				errs := make(chan error, n+1)
				for i := range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						if i%2 == 1 {
							time.Sleep(time.Duration(i) * time.Millisecond)
						}
						_, err := f.update(t, record.UpdateOptions{WriteOptions: record.WriteOptions{Typecast: true}},
							wUp(t, ids[i], "", map[string]any{valID: "42"}))
						if err == nil {
							written[i] = true
							return
						}
						if e, ok := apperr.As(err); !ok || e.Kind == apperr.Internal {
							errs <- err
						}
					}()
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					time.Sleep(5 * time.Millisecond)
					number := tablev1.FieldType_FIELD_TYPE_NUMBER
					var change *schema.FieldChange
					err := f.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
						var err error
						change, err = f.schemas.UpdateField(ctx, tx, f.table.ID, valID, "", f.userID, schema.FieldPatch{Type: &number})
						return err
					})
					if err == nil && change.Operation != nil {
						err = f.schemas.ConvertField(context.Background(), change.Operation)
					}
					if err != nil {
						errs <- err
					}
				}()
				close(start)
				wg.Wait()
				close(errs)
				for err := range errs {
					t.Fatal(err)
				}
				if fld := f.field(t, "Val"); fld.Kind() != tablev1.FieldType_FIELD_TYPE_NUMBER {
					t.Fatalf("Val is %s", fld.Type)
				}
				lost := 0
				for i, id := range ids {
					got, _ := f.get(t, id)
					want := 1.0
					if written[i] {
						want = 42.0
					}
					if got["Val"] != want {
						lost++
						t.Errorf("record %d (written %v): Val %v, want %v", i, written[i], got["Val"], want)
					}
				}
				if lost > 0 {
					t.Fatalf("%d writes lost", lost)
				}
			})
		})
	}
}

func TestWriteUpsert(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := wStart(t, db, wSpec("Name", wText), wSpec("Email", wEmail), wSpec("Score", wNumber), wSpec("Due", wDate))
		ids := f.mustCreate(t, map[string]any{"Name": "a", "Email": "a@example.com", "Score": 1.0, "Due": "2026-01-01"})
		up := record.UpdateOptions{MergeFields: []string{"Email"}}
		res, err := f.update(t, up,
			wUp(t, "", "", map[string]any{"Email": "a@example.com", "Score": 2.0}),
			wUp(t, "", "", map[string]any{"Email": "b@example.com", "Name": "b"}))
		wMust(t, err)
		if len(res.Updated) != 1 || res.Updated[0] != ids[0] || len(res.Created) != 1 || res.Records[1].ID != res.Created[0] ||
			res.Records[0].ID != ids[0] {
			t.Fatalf("upsert result %+v", res)
		}
		if got, etag := f.get(t, ids[0]); got["Score"] != 2.0 || got["Name"] != "a" || etag != "2" {
			t.Fatalf("updated %v etag %s", got, etag)
		}
		// Two merge fields, one a date; replace empties what is not given.
		res, err = f.update(t, record.UpdateOptions{MergeFields: []string{"Name", "Due"}, Replace: true},
			wUp(t, "", "", map[string]any{"Name": "a", "Due": "2026-01-01"}))
		wMust(t, err)
		if got, _ := f.get(t, ids[0]); len(res.Updated) != 1 || got["Email"] != nil || got["Score"] != nil {
			t.Fatalf("replace upsert %v %+v", got, res)
		}
		before := f.state(t)
		f.mustCreate(t, map[string]any{"Name": "twin", "Email": "t@example.com"}, map[string]any{"Name": "twin"})
		before = f.state(t)
		_, err = f.update(t, record.UpdateOptions{MergeFields: []string{"Name"}}, wUp(t, "", "", map[string]any{"Name": "twin", "Score": 5.0}))
		e := wWantErr(t, err, apperr.FailedPrecondition, record.ReasonAmbiguousMatch, "records[0]")
		if e.Metadata["record_ids"] == "" {
			t.Fatalf("ambiguous match names no records: %v", e.Metadata)
		}
		_, err = f.update(t, up, wUp(t, "", "", map[string]any{"Email": "z@example.com"}), wUp(t, "", "", map[string]any{"Email": "z@example.com"}))
		wWantErr(t, err, apperr.InvalidArgument, record.ReasonBatch, "records[1]")
		_, err = f.update(t, up, wUp(t, ids[0], "", map[string]any{"Email": "z@example.com"}))
		wWantErr(t, err, apperr.InvalidArgument, record.ReasonBatch, "records[0].id")
		_, err = f.update(t, up, wUp(t, "", "", map[string]any{"Name": "no key"}))
		wWantErr(t, err, apperr.InvalidArgument, record.ReasonRequired, `records[0].fields["Email"]`)
		_, err = f.update(t, record.UpdateOptions{MergeFields: []string{"Mail"}}, wUp(t, "", "", map[string]any{"Name": "x"}))
		wWantErr(t, err, apperr.InvalidArgument, record.ReasonUnknownField, "merge_fields[0]")
		f.unchanged(t, before)
	})
}

// Twenty concurrent upserts of one new key create one record.
func TestWriteConcurrentUpsertsCreateOne(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := wStart(t, db, wSpec("Key", wText), wSpec("Hits", wNumber))
		const clients = 20
		var wg sync.WaitGroup
		errs := make(chan error, clients)
		created := make(chan string, clients)
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := f.update(t, record.UpdateOptions{MergeFields: []string{"Key"}},
					wUp(t, "", "", map[string]any{"Key": "k-1", "Hits": float64(i)}))
				if err != nil {
					errs <- err
					return
				}
				for _, id := range res.Created {
					created <- id
				}
			}()
		}
		wg.Wait()
		close(errs)
		close(created)
		for err := range errs {
			t.Fatal(err)
		}
		if live, _ := f.rows(t); live != 1 || len(created) != 1 {
			t.Fatalf("%d records, %d created by %d concurrent upserts of one key", live, len(created), clients)
		}
		id := <-created
		if _, etag := f.get(t, id); etag != "20" {
			t.Fatalf("etag %s, want 20 (one create, 19 updates)", etag)
		}
	})
}

func TestWriteDeleteRestorePurge(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := wStart(t, db, wSpec("Name", wText))
		ids := f.mustCreate(t, map[string]any{"Name": "a"}, map[string]any{"Name": "b"}, map[string]any{"Name": "c"})
		purgeAt := f.delete(t, ids[0], ids[1])
		if d := time.Until(purgeAt); d < 6*24*time.Hour || d > 7*24*time.Hour {
			t.Fatalf("purge time %v", purgeAt)
		}
		if live, all := f.rows(t); live != 1 || all != 3 {
			t.Fatalf("%d live of %d", live, all)
		}
		before := f.state(t)
		err := f.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			_, _, err := f.recs.Delete(ctx, tx, f.table.ID, []record.Ref{{ID: ids[2]}, {ID: ids[0]}}, f.userID)
			return err
		})
		wWantErr(t, err, apperr.NotFound, "NOT_FOUND", "records[1].id")
		err = f.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			_, _, err := f.recs.Restore(ctx, tx, f.table.ID, []string{ids[0], ids[2]}, f.userID)
			return err
		})
		wWantErr(t, err, apperr.NotFound, "NOT_FOUND", "records[1].id")
		_, err = f.update(t, record.UpdateOptions{}, wUp(t, ids[0], "", map[string]any{"Name": "x"}))
		wWantErr(t, err, apperr.NotFound, "NOT_FOUND", "records[0].id")
		f.unchanged(t, before)

		// Records whose time in the trash is over go for good.
		_, err = f.db.NewRaw("UPDATE "+f.phys(t)+" SET deleted_at = ? WHERE id = ?", time.Now().Add(-8*24*time.Hour), ids[0]).
			Exec(context.Background())
		wMust(t, err)
		n, err := f.recs.PurgeExpired(context.Background())
		wMust(t, err)
		if live, all := f.rows(t); n != 1 || live != 1 || all != 2 {
			t.Fatalf("purged %d; %d live of %d", n, live, all)
		}
		log := f.log(t)
		if last := log[len(log)-1]; last.Kind != record.ChangePurged || len(last.RecordIDs) != 1 || last.RecordIDs[0] != ids[0] {
			t.Fatalf("purge logged %+v", last)
		}
		if n, err := f.recs.PurgeExpired(context.Background()); err != nil || n != 0 {
			t.Fatalf("second purge: %d, %v", n, err)
		}
	})
}
