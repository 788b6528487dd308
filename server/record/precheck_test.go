package record_test

import (
	"context"
	"testing"

	"github.com/uptrace/bun"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/fieldtype"
	"github.com/pyairtable/pyairtable/server/record"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

// A batch checked before its transaction (Precheck) is written as the
// write itself would check it, its problems are reported with their
// paths, and a schema change between the check and the write makes the
// write check the batch again against the new schema.
func TestPrecheckedCreate(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := wStart(t, db, wSpec("Name", tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT), wSpec("Qty", tablev1.FieldType_FIELD_TYPE_NUMBER))
		f.mustCreate(t, map[string]any{"Name": "first"}) // the table's schema is now known to the service
		createChecked := func(c *record.Checked, in []record.Cells) ([]*record.Record, error) {
			var out []*record.Record
			err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				var err error
				_, out, err = f.recs.Create(ctx, tx, f.table.ID, in, record.WriteOptions{UserID: f.userID, Checked: c})
				return err
			})
			return out, err
		}

		good := []record.Cells{wCells(t, map[string]any{"Name": "a", "Qty": 2}), wCells(t, map[string]any{"Name": "b"})}
		c := f.recs.Precheck(ctx, f.table.ID, good, false)
		if c == nil {
			t.Fatal("Precheck gave nothing for a known table")
		}
		recs, err := createChecked(c, good)
		wMust(t, err)
		if len(recs) != 2 || !c.Used() {
			t.Fatalf("created %d records, check used: %v; want 2, true", len(recs), c.Used())
		}
		if got, _ := f.get(t, recs[0].ID); got["Name"] != "a" || got["Qty"] != float64(2) {
			t.Fatalf("record 0 reads %v", got)
		}

		before := f.state(t)
		bad := []record.Cells{wCells(t, map[string]any{"Name": "c"}), wCells(t, map[string]any{"Qty": "many"})}
		_, err = createChecked(f.recs.Precheck(ctx, f.table.ID, bad, false), bad)
		wWantErr(t, err, apperr.InvalidArgument, fieldtype.ReasonInvalidCell, `records[1].fields["Qty"]`)
		f.unchanged(t, before)

		// Checked while the field was "Qty"; renamed before the write: the
		// write checks again and no longer knows "Qty".
		stale := []record.Cells{wCells(t, map[string]any{"Qty": 3})}
		c = f.recs.Precheck(ctx, f.table.ID, stale, false)
		wMust(t, db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			tbl, err := f.schemas.GetTable(ctx, tx, f.table.ID)
			if err != nil {
				return err
			}
			name := "Amount"
			_, err = f.schemas.UpdateField(ctx, tx, f.table.ID, tbl.FieldByRef("Qty").ID, "", f.userID, schema.FieldPatch{Name: &name})
			return err
		}))
		_, err = createChecked(c, stale)
		wWantErr(t, err, apperr.InvalidArgument, record.ReasonUnknownField, `records[0].fields["Qty"]`)
		if c.Used() {
			t.Fatal("a batch checked against the old schema was taken as checked")
		}
		f.unchanged(t, before)
		// A check is for its own batch only.
		other := []record.Cells{wCells(t, map[string]any{"Name": "d"})}
		c = f.recs.Precheck(ctx, f.table.ID, []record.Cells{wCells(t, map[string]any{"Name": "e"})}, false)
		recs, err = createChecked(c, other)
		wMust(t, err)
		if got, _ := f.get(t, recs[0].ID); got["Name"] != "d" || c.Used() {
			t.Fatalf("wrote %v (check used: %v); want the batch given, checked again", got, c.Used())
		}
	})
}
