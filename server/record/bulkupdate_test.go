package record_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/record"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

// bulkPatch is the patch of record i of TestWriteBulkUpdate: four shapes
// that set different columns, so a batch mixes them (and, with 42
// fields, SQLite takes it in several statements).
func bulkPatch(i int) map[string]any {
	switch i % 4 {
	case 0:
		return map[string]any{"Name": "n" + strconv.Itoa(i)}
	case 1:
		return map[string]any{"Price": float64(i * 10), "T0": nil}
	case 2:
		return map[string]any{}
	}
	m := map[string]any{}
	for k := range 40 {
		m["T"+strconv.Itoa(k)] = "w" + strconv.Itoa(i) + "-" + strconv.Itoa(k)
	}
	return m
}

// A batch of patches that set different fields is written at once: each
// record gets exactly its own cells, every record a new version, update
// time and user, and the change log exactly the cells that changed.
func TestWriteBulkUpdate(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := wStart(t, db, wManyColumns()...)
		rows := make([]map[string]any, 1000)
		for i := range rows {
			rows[i] = map[string]any{"Name": "r" + strconv.Itoa(i), "Price": float64(i), "T0": "t0", "T39": "keep"}
		}
		recIDs := f.mustCreate(t, rows...)
		ups := make([]record.Update, len(recIDs))
		for i, id := range recIDs {
			etag := ""
			if i%3 == 0 {
				etag = "1"
			}
			ups[i] = wUp(t, id, etag, bulkPatch(i))
		}
		const editor = "usrEditor0000001"
		res, err := f.update(t, record.UpdateOptions{WriteOptions: record.WriteOptions{UserID: editor}}, ups...)
		wMust(t, err)
		if len(res.Records) != 1000 || len(res.Updated) != 1000 {
			t.Fatalf("%d records, %d updated", len(res.Records), len(res.Updated))
		}
		for i, r := range res.Records {
			if r.ID != recIDs[i] || r.Version != 2 || r.UpdatedBy != editor || !r.UpdatedAt.After(r.CreatedAt) {
				t.Fatalf("records[%d] is %s version %d by %s at %v (created %v)", i, r.ID, r.Version, r.UpdatedBy, r.UpdatedAt, r.CreatedAt)
			}
		}
		var stored int
		wMust(t, f.db.NewRaw("SELECT COUNT(*) FROM "+f.phys(t)+" WHERE version = 2 AND updated_by = ?", editor).
			Scan(context.Background(), &stored))
		if stored != 1000 {
			t.Fatalf("%d rows have version 2 by the editor, want 1000", stored)
		}
		// Records of each shape, in the first and last chunk.
		for _, i := range []int{0, 1, 2, 3, 4, 5, 6, 7, 996, 997, 998, 999} {
			got, etag := f.get(t, recIDs[i])
			if etag != "2" {
				t.Fatalf("records[%d] etag %s", i, etag)
			}
			want := map[string]any{"Name": "r" + strconv.Itoa(i), "Price": float64(i), "T0": "t0", "T39": "keep"}
			for k, v := range bulkPatch(i) {
				want[k] = v
			}
			for k, v := range want {
				if v == nil {
					if _, ok := got[k]; ok {
						t.Fatalf("records[%d].%s = %v, want empty", i, k, got[k])
					}
				} else if got[k] != v {
					t.Fatalf("records[%d].%s = %v, want %v (all: %v)", i, k, got[k], v, got)
				}
			}
			if i%4 != 3 && len(got) != len(want)-countNil(want) {
				t.Fatalf("records[%d] has cells %v, want %v", i, got, want)
			}
		}
		log := f.log(t)
		if len(log) != 2 || log[1].Kind != record.ChangeUpdated || log[1].Actor != editor || len(log[1].RecordIDs) != 1000 ||
			log[1].RecordIDs[999] != recIDs[999] {
			t.Fatalf("change log %d entries", len(log))
		}
		name, price, t0, t39 := f.field(t, "Name").ID, f.field(t, "Price").ID, f.field(t, "T0").ID, f.field(t, "T39").ID
		for i, id := range recIDs {
			c := log[1].Changes[id]
			var ok bool
			switch i % 4 {
			case 0:
				ok = len(c) == 1 && c[name]["before"] == "r"+strconv.Itoa(i) && c[name]["after"] == "n"+strconv.Itoa(i)
			case 1:
				ok = len(c) == 2 && c[price]["before"] == float64(i) && c[price]["after"] == float64(i*10) &&
					c[t0]["before"] == "t0" && c[t0]["after"] == nil
			case 2:
				ok = len(c) == 0
			case 3:
				ok = len(c) == 40 && c[t39]["before"] == "keep" && c[t39]["after"] == "w"+strconv.Itoa(i)+"-39" &&
					c[f.field(t, "T5").ID]["before"] == nil
			}
			if !ok {
				t.Fatalf("records[%d] logged %v", i, c)
			}
		}

		// Replace empties what each record leaves out, in one batch.
		_, err = f.update(t, record.UpdateOptions{Replace: true},
			wUp(t, recIDs[0], "2", map[string]any{"T1": "only"}), wUp(t, recIDs[3], "", map[string]any{"Name": "x", "Price": 2.0}))
		wMust(t, err)
		if got, etag := f.get(t, recIDs[0]); len(got) != 1 || got["T1"] != "only" || etag != "3" {
			t.Fatalf("replaced %v etag %s", got, etag)
		}
		if got, _ := f.get(t, recIDs[3]); len(got) != 2 || got["Name"] != "x" || got["Price"] != 2.0 {
			t.Fatalf("replaced %v", got)
		}
	})
}

func countNil(m map[string]any) int {
	n := 0
	for _, v := range m {
		if v == nil {
			n++
		}
	}
	return n
}

// A refused batch update writes nothing: a stale etag is found before any
// write, and a database error in a later statement (SQLite's third chunk;
// a unique index the schema does not know of, as a racing writer's value
// would trip) rolls back the earlier ones.
func TestWriteBulkUpdateIsAtomic(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := wStart(t, db, wManyColumns()...)
		rows := make([]map[string]any, 1000)
		for i := range rows {
			rows[i] = map[string]any{"Name": "r" + strconv.Itoa(i), "T0": "t0"}
		}
		recIDs := f.mustCreate(t, rows...)
		ups := make([]record.Update, len(recIDs))
		for i, id := range recIDs {
			ups[i] = wUp(t, id, "1", bulkPatch(i))
		}
		before := f.state(t)
		ups[500].Etag = "7"
		_, err := f.update(t, record.UpdateOptions{}, ups...)
		wWantErr(t, err, apperr.FailedPrecondition, record.ReasonEtagMismatch, "records[500].etag")
		f.unchanged(t, before)

		ups[500].Etag = ""
		_, err = f.db.ExecContext(context.Background(), "CREATE UNIQUE INDEX w_name_idx ON "+f.phys(t)+" ("+
			schema.QuoteIdent(f.field(t, "Name").ColumnName)+")")
		wMust(t, err)
		ups[900].Fields = wCells(t, map[string]any{"Name": "r1"})
		_, err = f.update(t, record.UpdateOptions{}, ups...)
		e := wWantErr(t, err, apperr.FailedPrecondition, record.ReasonUnique, "")
		if e.Metadata["field_id"] != f.field(t, "Name").ID {
			t.Fatalf("unique error names %v: %s", e.Metadata, e.Message)
		}
		f.unchanged(t, before)
		var changed int
		wMust(t, f.db.NewRaw("SELECT COUNT(*) FROM "+f.phys(t)+" WHERE version <> 1").Scan(context.Background(), &changed))
		if changed != 0 {
			t.Fatalf("%d rows changed by a refused batch", changed)
		}
		if got, _ := f.get(t, recIDs[3]); got["T5"] != nil {
			t.Fatalf("records[3] changed by a refused batch: %v", got)
		}
	})
}

// An upsert of a big batch, half existing records and half new, matched
// on a unique field, updates and creates each once.
func TestWriteBulkUpsert(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := wStart(t, db, wSpec("Key", wText), wSpec("Hits", wNumber), wSpec("Note", wText))
		f.makeUnique(t, "Key")
		rows := make([]map[string]any, 500)
		for i := range rows {
			rows[i] = map[string]any{"Key": "k" + strconv.Itoa(2*i), "Hits": 1.0, "Note": "old"}
		}
		recIDs := f.mustCreate(t, rows...)
		ups := make([]record.Update, 1000)
		for i := range ups {
			m := map[string]any{"Key": "k" + strconv.Itoa(i), "Hits": float64(i)}
			if i%4 == 0 {
				m["Note"] = nil
			}
			ups[i] = wUp(t, "", "", m)
		}
		res, err := f.update(t, record.UpdateOptions{MergeFields: []string{"Key"}}, ups...)
		wMust(t, err)
		if len(res.Updated) != 500 || len(res.Created) != 500 {
			t.Fatalf("updated %d, created %d", len(res.Updated), len(res.Created))
		}
		for i, r := range res.Records {
			wantVersion := int64(1)
			if i%2 == 0 {
				wantVersion = 2
				if r.ID != recIDs[i/2] {
					t.Fatalf("records[%d] is %s, want %s", i, r.ID, recIDs[i/2])
				}
			}
			if r.Version != wantVersion {
				t.Fatalf("records[%d] version %d", i, r.Version)
			}
		}
		for _, i := range []int{0, 1, 2, 998, 999} {
			got, _ := f.get(t, res.Records[i].ID)
			note := map[bool]any{true: "old", false: nil}[i%2 == 0 && i%4 != 0]
			if got["Key"] != "k"+strconv.Itoa(i) || got["Hits"] != float64(i) || got["Note"] != note {
				t.Fatalf("records[%d] %v", i, got)
			}
		}
		if live, _ := f.rows(t); live != 1000 {
			t.Fatalf("%d live records", live)
		}
		// The same batch again updates all: no record is created twice.
		wMust(t, f.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			_, res, err := f.recs.Update(ctx, tx, f.table.ID, ups, record.UpdateOptions{
				WriteOptions: record.WriteOptions{UserID: f.userID}, MergeFields: []string{"Key"}})
			if err == nil && (len(res.Updated) != 1000 || len(res.Created) != 0) {
				t.Errorf("second upsert updated %d, created %d", len(res.Updated), len(res.Created))
			}
			return err
		}))
	})
}

// A batch update writes every type as a create does: one record takes
// every field (flagged columns, as its neighbour sets only some), the
// other a few, and both read back like records created with the same
// cells.
func TestWriteBulkUpdateEveryType(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := wStart(t, db, wEveryType()...)
		full := map[string]any{
			"Name": "Ada", "Notes": "line one\nline two", "Status": "Done", "Count": 42.0, "Price": 19.99,
			"Active": true, "Due": "2026-11-21", "Email": "ada@example.com", "Tags": []any{"Red", "Blue"},
			"Cost": 5.5, "Share": 0.25, "Stars": 4.0, "Site": "https://example.com/a", "Phone": "+1 555 0100",
			"Meeting": "2026-07-01T12:30:00Z", "Took": 5400.0, "Owner": f.userID, "Data": map[string]any{"a": []any{1.0, true}},
			"Code": map[string]any{"text": "4006381333931"}, "Files": []any{map[string]any{"url": "https://example.com/a.pdf"}},
		}
		some := map[string]any{"Name": "Bo", "Tags": []any{"Green"}, "Meeting": "2026-07-02T08:00:00Z", "Data": []any{"x"}}
		recIDs := f.mustCreate(t, map[string]any{"Name": "first"}, map[string]any{"Name": "second", "Count": 1.0}, full, some)
		_, err := f.update(t, record.UpdateOptions{}, wUp(t, recIDs[0], "1", full), wUp(t, recIDs[1], "1", some))
		wMust(t, err)
		for i, want := range []string{recIDs[2], recIDs[3]} {
			got, etag := f.get(t, recIDs[i])
			created, _ := f.get(t, want)
			if i == 1 {
				created["Count"] = 1.0
			}
			for _, k := range []string{"Created", "Editor", "No"} {
				delete(got, k)
				delete(created, k)
			}
			if etag != "2" || fmt.Sprint(got) != fmt.Sprint(created) {
				t.Fatalf("updated record %d (etag %s):\n %v\nwant\n %v", i, etag, got, created)
			}
		}
	})
}
