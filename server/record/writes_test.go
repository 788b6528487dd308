package record_test

import (
	"context"
	"fmt"
	"strconv"
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

type wk = tablev1.FieldType

const (
	wText     = tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT
	wLong     = tablev1.FieldType_FIELD_TYPE_LONG_TEXT
	wNumber   = tablev1.FieldType_FIELD_TYPE_NUMBER
	wSingle   = tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT
	wMulti    = tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS
	wCheck    = tablev1.FieldType_FIELD_TYPE_CHECKBOX
	wDate     = tablev1.FieldType_FIELD_TYPE_DATE
	wEmail    = tablev1.FieldType_FIELD_TYPE_EMAIL
	wAutoNum  = tablev1.FieldType_FIELD_TYPE_AUTO_NUMBER
	wCreated  = tablev1.FieldType_FIELD_TYPE_CREATED_TIME
	wModifier = tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_BY
)

// wEveryType is a table with a field of every writable type and some
// computed ones.
func wEveryType() []schema.FieldSpec {
	num := func(name string, kind wk, opts *tablev1.FieldOptions) schema.FieldSpec {
		return schema.FieldSpec{Name: name, Type: kind, Options: opts}
	}
	return []schema.FieldSpec{
		wSpec("Name", wText),
		wSpec("Notes", wLong),
		wSelect("Status", wSingle, "Todo", "Done"),
		num("Count", wNumber, nil),
		num("Price", wNumber, &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Number{Number: &tablev1.NumberOptions{Precision: 2}}}),
		wSpec("Active", wCheck),
		wSpec("Due", wDate),
		wSpec("Email", wEmail),
		wSelect("Tags", wMulti, "Red", "Green", "Blue"),
		wSpec("Cost", tablev1.FieldType_FIELD_TYPE_CURRENCY),
		wSpec("Share", tablev1.FieldType_FIELD_TYPE_PERCENT),
		wSpec("Stars", tablev1.FieldType_FIELD_TYPE_RATING),
		wSpec("Site", tablev1.FieldType_FIELD_TYPE_URL),
		wSpec("Phone", tablev1.FieldType_FIELD_TYPE_PHONE_NUMBER),
		wSpec("Meeting", tablev1.FieldType_FIELD_TYPE_DATE_TIME),
		wSpec("Took", tablev1.FieldType_FIELD_TYPE_DURATION),
		wSpec("Owner", tablev1.FieldType_FIELD_TYPE_COLLABORATOR),
		wSpec("Data", tablev1.FieldType_FIELD_TYPE_JSON),
		wSpec("Code", tablev1.FieldType_FIELD_TYPE_BARCODE),
		wSpec("Files", tablev1.FieldType_FIELD_TYPE_ATTACHMENT),
		wSpec("No", wAutoNum),
		wSpec("Created", wCreated),
		wSpec("Editor", wModifier),
	}
}

func TestWriteEveryTypeGetsBack(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := wStart(t, db, wEveryType()...)
		in := map[string]any{
			"Name": "Ada", "Notes": "line one\nline two", "Status": "Done", "Count": 42.0, "Price": 19.99,
			"Active": true, "Due": "2026-11-21", "Email": "ada@example.com", "Tags": []any{"Red", "Blue"},
			"Cost": 5.5, "Share": 0.25, "Stars": 4.0, "Site": "https://example.com/a", "Phone": "+1 555 0100",
			"Meeting": "2026-07-01T12:30:00Z", "Took": 5400.0, "Owner": f.userID, "Data": map[string]any{"a": []any{1.0, true}},
			"Code": map[string]any{"text": "4006381333931"}, "Files": []any{map[string]any{"url": "https://example.com/a.pdf"}},
		}
		recs, err := f.create(t, false, in)
		wMust(t, err)
		if len(recs) != 1 || recs[0].Version != 1 || recs[0].CreatedBy != f.userID || recs[0].Seq == 0 {
			t.Fatalf("created %+v", recs[0])
		}
		got, etag := f.get(t, recs[0].ID)
		if etag != "1" {
			t.Fatalf("etag %s, want 1", etag)
		}
		for _, name := range []string{"Name", "Notes", "Status", "Count", "Price", "Active", "Due", "Email", "Cost",
			"Share", "Stars", "Site", "Phone", "Took"} {
			if fmt.Sprint(got[name]) != fmt.Sprint(in[name]) {
				t.Errorf("%s: got %v, want %v", name, got[name], in[name])
			}
		}
		if fmt.Sprint(got["Tags"]) != "[Red Blue]" {
			t.Errorf("Tags: %v", got["Tags"])
		}
		for _, name := range []string{"Meeting", "Owner", "Data", "Code", "Files", "No", "Created", "Editor"} {
			if got[name] == nil {
				t.Errorf("%s: empty, want a value (%v)", name, got)
			}
		}
		// What Create returns reads the same as what is stored.
		p, err := f.recs.Proto(f.last.Columns, recs[0], false)
		wMust(t, err)
		for k, v := range p.Fields {
			if fmt.Sprint(v.AsInterface()) != fmt.Sprint(got[k]) {
				t.Errorf("returned %s = %v, stored %v", k, v.AsInterface(), got[k])
			}
		}
		log := f.log(t)
		if len(log) != 1 || log[0].Kind != record.ChangeCreated || log[0].Actor != f.userID || log[0].Version == "" ||
			len(log[0].RecordIDs) != 1 || log[0].Changes[recs[0].ID][f.field(t, "Name").ID]["after"] != "Ada" {
			t.Fatalf("change log %+v", log)
		}
	})
}

// field finds a field of the table by name.
func (f *wFix) field(t testing.TB, name string) *schema.Field {
	t.Helper()
	tbl, err := f.schemas.GetTable(context.Background(), f.db, f.table.ID)
	wMust(t, err)
	fld := tbl.FieldByRef(name)
	if fld == nil {
		t.Fatalf("no field %s", name)
	}
	return fld
}

func TestWriteTypecastAddsChoices(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := wStart(t, db, wSpec("Name", wText), wSelect("Status", wSingle, "Todo"), wSelect("Tags", wMulti, "Red"),
			wSpec("Count", wNumber), wSpec("Due", wDate))
		before := f.state(t)
		_, err := f.create(t, false, map[string]any{"Status": "Blocked"})
		wWantErr(t, err, apperr.InvalidArgument, "INVALID_CELL_VALUE", `records[0].fields["Status"]`)
		f.unchanged(t, before)

		recs, err := f.create(t, true,
			map[string]any{"Name": 12.0, "Status": "Blocked", "Tags": "Red, Green, purple", "Count": "1,234", "Due": "2026-11-21"},
			map[string]any{"Status": "blocked", "Tags": []any{"Purple", "Yellow"}})
		wMust(t, err)
		got, _ := f.get(t, recs[0].ID)
		if got["Name"] != "12" || got["Status"] != "Blocked" || fmt.Sprint(got["Tags"]) != "[Red Green purple]" || got["Count"] != 1234.0 {
			t.Fatalf("typecast cells %v", got)
		}
		got, _ = f.get(t, recs[1].ID)
		if got["Status"] != "Blocked" || fmt.Sprint(got["Tags"]) != "[purple Yellow]" {
			t.Fatalf("second record %v", got)
		}
		_, opts := f.field(t, "Status").TypeOptions()
		if n := len(opts.GetSelect().GetChoices()); n != 2 {
			t.Fatalf("Status has %d choices, want 2 (Todo, Blocked)", n)
		}
		_, opts = f.field(t, "Tags").TypeOptions()
		if n := len(opts.GetSelect().GetChoices()); n != 4 {
			t.Fatalf("Tags has %d choices, want 4 (Red, Green, purple, Yellow)", n)
		}
		// The change log names the schema version that holds the choices.
		versions, err := f.schemas.ListVersions(context.Background(), f.db, f.table.ID, 1, "")
		wMust(t, err)
		if log := f.log(t); len(log) != 1 || log[0].Version != versions.Versions[0].ID {
			t.Fatalf("change log %+v, latest version %s", log, versions.Versions[0].ID)
		}
		// A refused write adds no choice.
		_, err = f.create(t, true, map[string]any{"Status": "Later", "Count": "many"})
		wWantErr(t, err, apperr.InvalidArgument, "INVALID_CELL_VALUE", `records[0].fields["Count"]`)
		_, opts = f.field(t, "Status").TypeOptions()
		if n := len(opts.GetSelect().GetChoices()); n != 2 {
			t.Fatalf("a refused write left %d choices", n)
		}
	})
}

func TestWriteBadInputWritesNothing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		req := wSpec("Name", wText)
		req.Required = true
		f := wStart(t, db, req, wSpec("Price", wNumber), wSpec("No", wAutoNum), wSelect("Status", wSingle, "A"))
		other := f.sibling(t, "Other", wSpec("Name", wText))
		foreign := other.mustCreate(t, map[string]any{"Name": "elsewhere"})[0]
		id := f.mustCreate(t, map[string]any{"Name": "one", "Price": 1.0})[0]
		before := f.state(t)

		_, err := f.create(t, false, map[string]any{"Name": "x", "Prise": 3.0, "price": "cheap"})
		e := wWantErr(t, err, apperr.InvalidArgument, record.ReasonUnknownField, `records[0].fields["Prise"]`)
		// Names ignore case: "price" is Price, and its value is refused too.
		wWantErr(t, err, apperr.InvalidArgument, record.ReasonUnknownField, `records[0].fields["price"]`)
		if len(e.Violations) != 2 || e.Violations[0].Message != `no field "Prise" in the table` {
			t.Fatalf("violations %+v", e.Violations)
		}
		_, err = f.create(t, false, map[string]any{"Name": "x", "No": 5.0})
		wWantErr(t, err, apperr.InvalidArgument, "READ_ONLY_FIELD", `records[0].fields["No"]`)
		_, err = f.create(t, false, map[string]any{"Price": 2.0}, map[string]any{"Name": ""})
		wWantErr(t, err, apperr.InvalidArgument, record.ReasonRequired, `records[0].fields["Name"]`)
		wWantErr(t, err, apperr.InvalidArgument, record.ReasonRequired, `records[1].fields["Name"]`)
		_, err = f.create(t, false)
		wWantErr(t, err, apperr.InvalidArgument, record.ReasonBatch, "records")

		_, err = f.update(t, record.UpdateOptions{}, wUp(t, id, "", map[string]any{"Name": nil}))
		wWantErr(t, err, apperr.InvalidArgument, record.ReasonRequired, `records[0].fields["Name"]`)
		_, err = f.update(t, record.UpdateOptions{Replace: true}, wUp(t, id, "", map[string]any{"Price": 3.0}))
		wWantErr(t, err, apperr.InvalidArgument, record.ReasonRequired, `records[0].fields["Name"]`)
		_, err = f.update(t, record.UpdateOptions{}, wUp(t, id, "", map[string]any{"Price": 3.0}), wUp(t, foreign, "", map[string]any{"Price": 4.0}))
		e = wWantErr(t, err, apperr.NotFound, "NOT_FOUND", "records[1].id")
		if e.Metadata["record_id"] != foreign {
			t.Fatalf("not found metadata %v", e.Metadata)
		}
		_, err = f.update(t, record.UpdateOptions{}, wUp(t, id, "", map[string]any{"Price": 3.0}), wUp(t, id, "", map[string]any{"Price": 4.0}))
		wWantErr(t, err, apperr.InvalidArgument, record.ReasonBatch, "records[1].id")
		_, err = f.update(t, record.UpdateOptions{}, wUp(t, id, "7", map[string]any{"Price": 3.0}))
		e = wWantErr(t, err, apperr.FailedPrecondition, record.ReasonEtagMismatch, "records[0].etag")
		if e.Metadata["etag"] != "1" || e.Metadata["record_id"] != id {
			t.Fatalf("etag metadata %v", e.Metadata)
		}
		err = f.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			_, _, err := f.recs.Delete(ctx, tx, f.table.ID, []record.Ref{{ID: id}, {ID: foreign}}, f.userID)
			return err
		})
		wWantErr(t, err, apperr.NotFound, "NOT_FOUND", "records[1].id")
		err = f.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			_, _, err := f.recs.Delete(ctx, tx, f.table.ID, []record.Ref{{ID: id, Etag: "2"}}, f.userID)
			return err
		})
		wWantErr(t, err, apperr.FailedPrecondition, record.ReasonEtagMismatch, "records[0].etag")
		f.unchanged(t, before)
		if got, etag := f.get(t, id); got["Price"] != 1.0 || etag != "1" {
			t.Fatalf("record changed: %v etag %s", got, etag)
		}
	})
}

// wManyColumns is a table with enough fields that SQLite takes 1000
// records in more than one INSERT.
func wManyColumns() []schema.FieldSpec {
	specs := []schema.FieldSpec{wSpec("Name", wText), wSpec("Price", wNumber)}
	for i := range 40 {
		specs = append(specs, wSpec("T"+strconv.Itoa(i), wText))
	}
	return specs
}

func TestWriteBatchIsAtomic(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := wStart(t, db, wManyColumns()...)
		held := f.mustCreate(t, map[string]any{"Name": "taken"})
		before := f.state(t)
		rows := make([]map[string]any, 1000)
		for i := range rows {
			rows[i] = map[string]any{"Name": "r" + strconv.Itoa(i), "Price": float64(i), "T3": "x"}
		}
		rows[777]["Price"] = "not a number"
		_, err := f.create(t, false, rows...)
		e := wWantErr(t, err, apperr.InvalidArgument, "INVALID_CELL_VALUE", `records[777].fields["Price"]`)
		if len(e.Violations) != 1 {
			t.Fatalf("violations %+v", e.Violations)
		}
		f.unchanged(t, before)

		// A database error in the second chunk (a unique index the schema
		// does not know of, as a racing writer's value would trip) rolls
		// back the first.
		_, err = f.db.ExecContext(context.Background(), "CREATE UNIQUE INDEX w_name_idx ON "+f.phys(t)+" ("+
			schema.QuoteIdent(f.field(t, "Name").ColumnName)+")")
		wMust(t, err)
		rows[777]["Price"] = 777.0
		rows[900]["Name"] = "taken"
		_, err = f.create(t, false, rows...)
		e = wWantErr(t, err, apperr.FailedPrecondition, record.ReasonUnique, "")
		if e.Metadata["field_id"] != f.field(t, "Name").ID {
			t.Fatalf("unique error names %v: %s", e.Metadata, e.Message)
		}
		f.unchanged(t, before)

		// A cancelled call writes nothing either.
		ctx, cancel := context.WithCancel(context.Background())
		rows[900]["Name"] = "free"
		in := make([]record.Cells, len(rows))
		for i, r := range rows {
			in[i] = wCells(t, r)
		}
		err = f.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if _, _, err := f.recs.Create(ctx, tx, f.table.ID, in, record.WriteOptions{UserID: f.userID}); err != nil {
				return err
			}
			cancel()
			_, _, err := f.recs.Create(ctx, tx, f.table.ID, in[:1], record.WriteOptions{UserID: f.userID})
			return err
		})
		if err == nil {
			t.Fatal("a cancelled call succeeded")
		}
		f.unchanged(t, before)

		recs, err := f.create(t, false, rows...)
		wMust(t, err)
		if live, _ := f.rows(t); live != 1001 || recs[999].Seq <= recs[0].Seq {
			t.Fatalf("%d live rows after the good batch", live)
		}
		log := f.log(t)
		if len(log) != 2 || len(log[1].RecordIDs) != 1000 || log[1].RecordIDs[0] != recs[0].ID || log[0].RecordIDs[0] != held[0] {
			t.Fatalf("change log has %d entries", len(log))
		}
	})
}

func TestWriteChangeLogHoldsExactChanges(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := wStart(t, db, wSpec("Name", wText), wSpec("Price", wNumber), wSelect("Tags", wMulti, "Red", "Blue"))
		name, price := f.field(t, "Name").ID, f.field(t, "Price").ID
		ids := f.mustCreate(t, map[string]any{"Name": "a", "Price": 1.0}, map[string]any{"Name": "b"})
		_, err := f.update(t, record.UpdateOptions{}, wUp(t, ids[0], "1", map[string]any{"Price": 2.0, "Name": "a"}))
		wMust(t, err)
		_, err = f.update(t, record.UpdateOptions{Replace: true}, wUp(t, ids[1], "", map[string]any{"Tags": []any{"Blue"}}))
		wMust(t, err)
		wMust(t, f.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			_, _, err := f.recs.Delete(ctx, tx, f.table.ID, []record.Ref{{ID: ids[0], Etag: "2"}}, f.userID)
			return err
		}))
		wMust(t, f.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			_, _, err := f.recs.Restore(ctx, tx, f.table.ID, ids[:1], f.userID)
			return err
		}))
		log := f.log(t)
		kinds := ""
		for _, e := range log {
			kinds += e.Kind + " "
		}
		if kinds != "record.created record.updated record.updated record.deleted record.restored " {
			t.Fatalf("kinds %s", kinds)
		}
		if c := log[1].Changes[ids[0]]; len(c) != 1 || c[price]["before"] != 1.0 || c[price]["after"] != 2.0 {
			t.Fatalf("patch logged %v", c)
		}
		c := log[2].Changes[ids[1]]
		if len(c) != 2 || c[name]["before"] != "b" || c[name]["after"] != nil || c[f.field(t, "Tags").ID]["before"] != nil {
			t.Fatalf("replace logged %v", c)
		}
		if len(log[3].RecordIDs) != 1 || log[3].RecordIDs[0] != ids[0] {
			t.Fatalf("delete logged %+v", log[3])
		}
		if got, etag := f.get(t, ids[0]); got["Price"] != 2.0 || etag != "4" {
			t.Fatalf("restored record %v etag %s", got, etag)
		}
		got, _ := f.get(t, ids[1])
		if got["Name"] != nil || fmt.Sprint(got["Tags"]) != "[Blue]" {
			t.Fatalf("replaced record %v", got)
		}
	})
}

func TestWriteUniqueFields(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := wStart(t, db, wSpec("Name", wText), wSpec("Email", wEmail))
		f.makeUnique(t, "Email")
		ids := f.mustCreate(t, map[string]any{"Name": "a", "Email": "a@example.com"}, map[string]any{"Name": "b", "Email": "b@example.com"})
		before := f.state(t)
		_, err := f.create(t, false, map[string]any{"Email": "c@example.com"}, map[string]any{"email": "c@example.com"})
		wWantErr(t, err, apperr.FailedPrecondition, record.ReasonUnique, `records[1].fields["email"]`)
		_, err = f.create(t, false, map[string]any{"Email": "x@example.com"}, map[string]any{"Email": "a@example.com"})
		e := wWantErr(t, err, apperr.FailedPrecondition, record.ReasonUnique, `records[1].fields["Email"]`)
		if want := `"a@example.com" is already the value of record ` + ids[0] + `; "Email" is unique`; e.Violations[0].Message != want {
			t.Fatalf("message %q, want %q", e.Violations[0].Message, want)
		}
		_, err = f.update(t, record.UpdateOptions{}, wUp(t, ids[1], "", map[string]any{"Email": "a@example.com"}))
		wWantErr(t, err, apperr.FailedPrecondition, record.ReasonUnique, `records[0].fields["Email"]`)
		f.unchanged(t, before)
		// A record keeps its own value; a patch of another field passes.
		_, err = f.update(t, record.UpdateOptions{}, wUp(t, ids[0], "", map[string]any{"Email": "a@example.com", "Name": "A"}))
		wMust(t, err)

		// Deleted records free their value; restoring one whose value is
		// taken again is refused, naming the field and the value.
		f.delete(t, ids[0])
		taker := f.mustCreate(t, map[string]any{"Email": "a@example.com"})[0]
		before = f.state(t)
		err = f.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			_, _, err := f.recs.Restore(ctx, tx, f.table.ID, ids[:1], f.userID)
			return err
		})
		e = wWantErr(t, err, apperr.FailedPrecondition, record.ReasonUnique, `records[0].fields["Email"]`)
		if want := `"a@example.com" is already the value of record ` + taker + `; "Email" is unique`; e.Violations[0].Message != want {
			t.Fatalf("message %q", e.Violations[0].Message)
		}
		f.unchanged(t, before)
		f.delete(t, taker)
		wMust(t, f.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			_, recs, err := f.recs.Restore(ctx, tx, f.table.ID, ids[:1], f.userID)
			if err == nil && (len(recs) != 1 || recs[0].DeletedAt != nil || recs[0].Version != 4) {
				t.Errorf("restored %+v", recs)
			}
			return err
		}))
	})
}

// makeUnique turns unique on for a field, building its index now.
func (f *wFix) makeUnique(t testing.TB, name string) {
	t.Helper()
	on := true
	var change *schema.FieldChange
	wMust(t, f.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		change, err = f.schemas.UpdateField(ctx, tx, f.table.ID, f.field(t, name).ID, "", f.userID, schema.FieldPatch{Unique: &on})
		return err
	}))
	wMust(t, f.schemas.BuildIndex(context.Background(), change.Operation))
	if !f.field(t, name).Unique {
		t.Fatalf("%s is not unique", name)
	}
}

// delete deletes records.
func (f *wFix) delete(t testing.TB, ids ...string) time.Time {
	t.Helper()
	refs := make([]record.Ref, len(ids))
	for i, id := range ids {
		refs[i] = record.Ref{ID: id}
	}
	var purge time.Time
	wMust(t, f.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		_, purge, err = f.recs.Delete(ctx, tx, f.table.ID, refs, f.userID)
		return err
	}))
	return purge
}
