package filter_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/fieldtype"
	"github.com/pyairtable/pyairtable/server/filter"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
	"github.com/pyairtable/pyairtable/server/user"
)

// Operator names, short.
const (
	eq        = tablev1.Operator_OPERATOR_EQUAL
	ne        = tablev1.Operator_OPERATOR_NOT_EQUAL
	lt        = tablev1.Operator_OPERATOR_LESS_THAN
	lte       = tablev1.Operator_OPERATOR_LESS_THAN_OR_EQUAL
	gt        = tablev1.Operator_OPERATOR_GREATER_THAN
	gte       = tablev1.Operator_OPERATOR_GREATER_THAN_OR_EQUAL
	contains  = tablev1.Operator_OPERATOR_CONTAINS
	lacks     = tablev1.Operator_OPERATOR_DOES_NOT_CONTAIN
	starts    = tablev1.Operator_OPERATOR_STARTS_WITH
	ends      = tablev1.Operator_OPERATOR_ENDS_WITH
	empty     = tablev1.Operator_OPERATOR_IS_EMPTY
	notEmpty  = tablev1.Operator_OPERATOR_IS_NOT_EMPTY
	anyOf     = tablev1.Operator_OPERATOR_IS_ANY_OF
	noneOf    = tablev1.Operator_OPERATOR_IS_NONE_OF
	hasAny    = tablev1.Operator_OPERATOR_HAS_ANY_OF
	hasAll    = tablev1.Operator_OPERATOR_HAS_ALL_OF
	hasNone   = tablev1.Operator_OPERATOR_HAS_NONE_OF
	before    = tablev1.Operator_OPERATOR_BEFORE
	after     = tablev1.Operator_OPERATOR_AFTER
	onBefore  = tablev1.Operator_OPERATOR_ON_OR_BEFORE
	onAfter   = tablev1.Operator_OPERATOR_ON_OR_AFTER
	on        = tablev1.Operator_OPERATOR_ON
	within    = tablev1.Operator_OPERATOR_WITHIN
	today     = tablev1.RelativeDate_RELATIVE_DATE_TODAY
	tomorrow  = tablev1.RelativeDate_RELATIVE_DATE_TOMORROW
	yesterday = tablev1.RelativeDate_RELATIVE_DATE_YESTERDAY
)

// recTable is a small physical table with a column for each of a dozen
// field types, filled with six records r1 to r6 whose cells were
// normalised by the field types, as records are.
type recTable struct {
	db     *storage.DB
	fields []*schema.Field
	byName map[string]*schema.Field
	cols   map[string]string
	u1, u2 string
}

// now is the time relative dates are counted from: Tuesday 10 March 2026,
// noon UTC (13:00 in Paris, 08:00 in New York, 02:00 on the 11th in
// Kiritimati).
var now = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

var allRecords = []string{"r1", "r2", "r3", "r4", "r5", "r6"}

func newRecTable(t *testing.T, db *storage.DB) *recTable {
	t.Helper()
	ctx := context.Background()
	rt := &recTable{db: db, byName: map[string]*schema.Field{}, cols: map[string]string{}}
	zed, err := user.Create(ctx, db, "zed@example.com", "Zed")
	if err != nil {
		t.Fatal(err)
	}
	amy, err := user.Create(ctx, db, "amy@example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	rt.u1, rt.u2 = zed.ID, amy.ID
	add := func(name string, kind tablev1.FieldType, opts *tablev1.FieldOptions) {
		f := newField(t, name, kind, opts)
		rt.fields = append(rt.fields, f)
		rt.byName[name] = f
	}
	add("Name", tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT, nil)
	add("Amount", tablev1.FieldType_FIELD_TYPE_NUMBER, &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Number{Number: &tablev1.NumberOptions{Precision: 2}}})
	add("Stars", tablev1.FieldType_FIELD_TYPE_RATING, nil)
	add("Done", tablev1.FieldType_FIELD_TYPE_CHECKBOX, nil)
	add("Due", tablev1.FieldType_FIELD_TYPE_DATE, nil)
	add("Meeting", tablev1.FieldType_FIELD_TYPE_DATE_TIME, &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_DateTime{DateTime: &tablev1.DateTimeOptions{TimeZone: "Europe/Paris"}}})
	add("Color", tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, selectOptions("Red", "Green", "Blue"))
	add("Tags", tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS, selectOptions("Red", "Green", "Blue"))
	add("Owner", tablev1.FieldType_FIELD_TYPE_COLLABORATOR, nil)
	add("Data", tablev1.FieldType_FIELD_TYPE_JSON, nil)
	add("Code", tablev1.FieldType_FIELD_TYPE_BARCODE, nil)
	add("Files", tablev1.FieldType_FIELD_TYPE_ATTACHMENT, nil)
	add("No", tablev1.FieldType_FIELD_TYPE_AUTO_NUMBER, nil)
	add("Created", tablev1.FieldType_FIELD_TYPE_CREATED_TIME, nil)
	add("Creator", tablev1.FieldType_FIELD_TYPE_CREATED_BY, nil)

	seq, ts := "seq INTEGER PRIMARY KEY AUTOINCREMENT", "TIMESTAMP"
	if db.Engine == storage.Postgres {
		seq, ts = "seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "TIMESTAMPTZ"
	}
	ddl := []string{seq, "id TEXT NOT NULL UNIQUE", "created_at " + ts + " NOT NULL", "created_by TEXT NOT NULL DEFAULT ''"}
	for i, f := range rt.fields {
		typ, _ := fieldtype.Get(f.Kind())
		switch f.Kind() {
		case tablev1.FieldType_FIELD_TYPE_AUTO_NUMBER:
			rt.cols[f.ID] = "seq"
		case tablev1.FieldType_FIELD_TYPE_CREATED_TIME:
			rt.cols[f.ID] = "created_at"
		case tablev1.FieldType_FIELD_TYPE_CREATED_BY:
			rt.cols[f.ID] = "created_by"
		default:
			col := fmt.Sprintf("c%d", i+1)
			rt.cols[f.ID] = `"` + col + `"`
			ddl = append(ddl, `"`+col+`" `+typ.Column(db.Engine))
		}
	}
	if _, err := db.ExecContext(ctx, "CREATE TABLE recs (\n"+strings.Join(ddl, ",\n")+"\n)"); err != nil {
		t.Fatal(err)
	}

	file := map[string]any{"url": "https://files.example/a.png"}
	rows := []struct {
		id      string
		created time.Time
		creator string
		cells   map[string]any
	}{
		{"r1", time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), rt.u1, map[string]any{
			"Name": "Apple pie", "Amount": 10, "Stars": 3, "Done": true, "Due": "2026-03-10",
			"Meeting": "2026-03-10T22:30:00Z", "Color": "Red", "Tags": list("Red", "Green"), "Owner": rt.u1,
			"Data": map[string]any{"a": 1}, "Code": map[string]any{"text": "ABC-123"}, "Files": []any{file},
		}},
		{"r2", time.Date(2026, 3, 9, 23, 0, 0, 0, time.UTC), rt.u2, map[string]any{
			"Name": "banana SPLIT", "Amount": 2.5, "Stars": 5, "Done": false, "Due": "2026-03-09",
			"Meeting": "2026-03-10T23:30:00Z", "Color": "Green", "Tags": list("Green"), "Owner": rt.u2,
			"Code": map[string]any{"text": "xyz"},
		}},
		{"r3", time.Date(2026, 3, 10, 0, 30, 0, 0, time.UTC), "", map[string]any{
			"Name": "Crème BRÛLÉE", "Amount": -1, "Done": false, "Due": "2026-03-17",
			"Meeting": "2026-03-03T12:00:00Z", "Color": "Blue", "Tags": list("Blue", "Red", "Green"),
			"Data": []any{1, 2},
		}},
		{"r4", time.Date(2026, 3, 10, 11, 0, 0, 0, time.UTC), rt.u1, map[string]any{
			"Name": "100% juice_box", "Amount": 0, "Stars": 1, "Done": true, "Owner": rt.u1,
			"Code": map[string]any{"text": "abc"},
		}},
		// r5 is empty everywhere; its checkbox is even NULL.
		{"r5", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), "", map[string]any{"Done": nil}},
		{"r6", time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC), rt.u2, map[string]any{
			"Name": "apple", "Amount": 10, "Done": false, "Due": "2026-04-10",
			"Meeting": "2026-03-11T00:30:00Z", "Color": "Red", "Tags": list("Red"), "Owner": rt.u2,
		}},
	}
	env := fieldtype.Env{ResolveUser: func(id string) (string, bool) { return id, id == rt.u1 || id == rt.u2 }}
	for _, r := range rows {
		cols := []string{"id", "created_at", "created_by"}
		args := []any{r.id, r.created, r.creator}
		for _, f := range rt.fields {
			typ, opts := f.TypeOptions()
			if typ.ReadOnly() {
				continue
			}
			in, given := r.cells[f.Name]
			var stored any
			if !given || in != nil {
				v, err := structpb.NewValue(in)
				if err != nil {
					t.Fatal(err)
				}
				if stored, err = typ.Value(opts, v, false, env); err != nil {
					t.Fatalf("%s of %s: %v", f.Name, r.id, err)
				}
			}
			cols = append(cols, rt.cols[f.ID])
			args = append(args, stored)
		}
		q := "INSERT INTO recs (" + strings.Join(cols, ", ") + ") VALUES (" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("insert %s: %v", r.id, err)
		}
	}
	return rt
}

func (rt *recTable) columnOf(f *schema.Field) string { return rt.cols[f.ID] }

func (rt *recTable) id(name string) string { return rt.byName[name].ID }

// where returns the ids of the records the filter keeps, in insertion
// order.
func (rt *recTable) where(t *testing.T, f *tablev1.Filter) []string {
	t.Helper()
	tree, err := filter.Validate(f, rt.fields)
	if err != nil {
		t.Fatalf("validate: %v", err)
	}
	sql, args, err := filter.Compile(tree, rt.db.Engine, rt.columnOf, now)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	if sql == "" {
		sql = "1 = 1"
	}
	return rt.ids(t, "SELECT id FROM recs WHERE "+sql+" ORDER BY seq", args...)
}

func (rt *recTable) ids(t *testing.T, query string, args ...any) []string {
	t.Helper()
	var out []string
	if err := rt.db.NewRaw(query, args...).Scan(context.Background(), &out); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}

func without(all []string, drop []string) []string {
	var out []string
	for _, id := range all {
		if !slices.Contains(drop, id) {
			out = append(out, id)
		}
	}
	return out
}

// TestCompileOnEveryEngine runs filters with every operator on the types it
// applies to against real tables, and checks that each filter's not keeps
// exactly the other records (so empty cells never fall between the two).
func TestCompileOnEveryEngine(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		rt := newRecTable(t, db)
		blue := choiceID(t, rt.byName["Color"], "Blue")
		cases := []struct {
			name string
			f    *tablev1.Filter
			want []string
		}{
			// Text: case-insensitive, Unicode-aware, wildcards escaped.
			{"text equal ignores case", cond("Name", eq, "APPLE"), []string{"r6"}},
			{"text not equal keeps empty", cond("name", ne, "apple"), []string{"r1", "r2", "r3", "r4", "r5"}},
			{"text contains", cond("Name", contains, "APPLE"), []string{"r1", "r6"}},
			{"text contains beyond ASCII", cond("Name", contains, "brûlée"), []string{"r3"}},
			{"percent sign is literal", cond("Name", contains, "%"), []string{"r4"}},
			{"underscore is literal", cond("Name", contains, "e_b"), []string{"r4"}},
			{"escaped underscore matches no other letter", cond("Name", contains, "p_e"), nil},
			{"escaped percent matches no run", cond("Name", contains, "a%e"), nil},
			{"backslash is literal", cond("Name", contains, `\`), nil},
			{"text does not contain", cond("Name", lacks, "apple"), []string{"r2", "r3", "r4", "r5"}},
			{"text starts with", cond("Name", starts, "APP"), []string{"r1", "r6"}},
			{"text ends with", cond("Name", ends, "PIE"), []string{"r1"}},
			{"text ends with, other case", cond("Name", ends, "split"), []string{"r2"}},
			{"text is any of", cond("Name", anyOf, list("APPLE", "banana split")), []string{"r2", "r6"}},
			{"text is none of", cond("Name", noneOf, list("APPLE", "banana split")), []string{"r1", "r3", "r4", "r5"}},
			{"text is empty", cond("Name", empty, nil), []string{"r5"}},
			{"text is not empty", cond("Name", notEmpty, nil), []string{"r1", "r2", "r3", "r4", "r6"}},

			// Numbers.
			{"number equal", cond("Amount", eq, 10), []string{"r1", "r6"}},
			{"number equal as text", cond("Amount", eq, "2.5"), []string{"r2"}},
			{"number not equal", cond("Amount", ne, 10), []string{"r2", "r3", "r4", "r5"}},
			{"number less", cond("Amount", lt, 0), []string{"r3"}},
			{"number less or equal", cond("Amount", lte, 0), []string{"r3", "r4"}},
			{"number greater", cond("Amount", gt, 2.5), []string{"r1", "r6"}},
			{"number greater or equal", cond("Amount", gte, 2.5), []string{"r1", "r2", "r6"}},
			{"number is empty", cond("Amount", empty, nil), []string{"r5"}},
			{"number is not empty", cond("Amount", notEmpty, nil), []string{"r1", "r2", "r3", "r4", "r6"}},
			{"rating greater", cond("Stars", gt, 3), []string{"r2"}},
			{"rating as stars", cond("Stars", eq, "★★★"), []string{"r1"}},
			{"rating is empty", cond("Stars", empty, nil), []string{"r3", "r5", "r6"}},
			{"auto number less", cond("No", lt, 3), []string{"r1", "r2"}},
			{"auto number greater or equal", cond("No", gte, 5), []string{"r5", "r6"}},
			{"auto number not equal", cond("No", ne, 1), []string{"r2", "r3", "r4", "r5", "r6"}},

			// Checkbox: unchecked includes NULL.
			{"checked", cond("Done", eq, true), []string{"r1", "r4"}},
			{"unchecked", cond("Done", eq, false), []string{"r2", "r3", "r5", "r6"}},
			{"not checked", cond("Done", ne, true), []string{"r2", "r3", "r5", "r6"}},
			{"not unchecked", cond("Done", ne, false), []string{"r1", "r4"}},
			{"checked as text", cond("Done", eq, "yes"), []string{"r1", "r4"}},

			// Dates, today being 2026-03-10.
			{"date on today", cond("Due", on, day(today)), []string{"r1"}},
			{"date before today", cond("Due", before, day(today)), []string{"r2"}},
			{"date after today", cond("Due", after, day(today)), []string{"r3", "r6"}},
			{"date on or before today", cond("Due", onBefore, day(today)), []string{"r1", "r2"}},
			{"date on or after today", cond("Due", onAfter, day(today)), []string{"r1", "r3", "r6"}},
			{"date on yesterday", cond("Due", on, day(yesterday)), []string{"r2"}},
			{"date after tomorrow", cond("Due", after, day(tomorrow)), []string{"r3", "r6"}},
			{"date on exact date", cond("Due", on, exact("2026-03-17")), []string{"r3"}},
			{"date on one week from now", cond("Due", on, day(tablev1.RelativeDate_RELATIVE_DATE_ONE_WEEK_FROM_NOW)), []string{"r3"}},
			{"date on one month from now", cond("Due", on, day(tablev1.RelativeDate_RELATIVE_DATE_ONE_MONTH_FROM_NOW)), []string{"r6"}},
			{"date before one week ago", cond("Due", before, day(tablev1.RelativeDate_RELATIVE_DATE_ONE_WEEK_AGO)), nil},
			{"date on or after one month ago", cond("Due", onAfter, day(tablev1.RelativeDate_RELATIVE_DATE_ONE_MONTH_AGO)), []string{"r1", "r2", "r3", "r6"}},
			{"date before 0 days ago", cond("Due", before, daysFrom(tablev1.RelativeDate_RELATIVE_DATE_N_DAYS_AGO, 0)), []string{"r2"}},
			{"date on 1 day ago", cond("Due", on, daysFrom(tablev1.RelativeDate_RELATIVE_DATE_N_DAYS_AGO, 1)), []string{"r2"}},
			{"date on or after 7 days from now", cond("Due", onAfter, daysFrom(tablev1.RelativeDate_RELATIVE_DATE_N_DAYS_FROM_NOW, 7)), []string{"r3", "r6"}},
			{"date within past week", cond("Due", within, span(tablev1.DatePeriod_DATE_PERIOD_PAST_WEEK, 0)), []string{"r1", "r2"}},
			{"date within next week", cond("Due", within, span(tablev1.DatePeriod_DATE_PERIOD_NEXT_WEEK, 0)), []string{"r1", "r3"}},
			{"date within next month", cond("Due", within, span(tablev1.DatePeriod_DATE_PERIOD_NEXT_MONTH, 0)), []string{"r1", "r3", "r6"}},
			{"date within past month", cond("Due", within, span(tablev1.DatePeriod_DATE_PERIOD_PAST_MONTH, 0)), []string{"r1", "r2"}},
			{"date within past year", cond("Due", within, span(tablev1.DatePeriod_DATE_PERIOD_PAST_YEAR, 0)), []string{"r1", "r2"}},
			{"date within next year", cond("Due", within, span(tablev1.DatePeriod_DATE_PERIOD_NEXT_YEAR, 0)), []string{"r1", "r3", "r6"}},
			{"date within past 1 day", cond("Due", within, span(tablev1.DatePeriod_DATE_PERIOD_PAST_N_DAYS, 1)), []string{"r1", "r2"}},
			{"date within next 6 days", cond("Due", within, span(tablev1.DatePeriod_DATE_PERIOD_NEXT_N_DAYS, 6)), []string{"r1"}},
			{"date today is tomorrow in Kiritimati", inZone(cond("Due", before, day(today)), "Pacific/Kiritimati"), []string{"r1", "r2"}},
			{"date is empty", cond("Due", empty, nil), []string{"r4", "r5"}},
			{"date is not empty", cond("Due", notEmpty, nil), []string{"r1", "r2", "r3", "r6"}},

			// Date-times: days in the field's time zone (Paris) unless the
			// condition names another.
			{"date-time on today in Paris", cond("Meeting", on, day(today)), []string{"r1"}},
			{"date-time on tomorrow in Paris", cond("Meeting", on, day(tomorrow)), []string{"r2", "r6"}},
			{"date-time on today in UTC", inZone(cond("Meeting", on, day(today)), "UTC"), []string{"r1", "r2"}},
			{"date-time on today in New York", inZone(cond("Meeting", on, day(today)), "America/New_York"), []string{"r1", "r2", "r6"}},
			{"date-time before today", cond("Meeting", before, day(today)), []string{"r3"}},
			{"date-time after today", cond("Meeting", after, day(today)), []string{"r2", "r6"}},
			{"date-time on or before today", cond("Meeting", onBefore, day(today)), []string{"r1", "r3"}},
			{"date-time on or after today", cond("Meeting", onAfter, day(today)), []string{"r1", "r2", "r6"}},
			{"date-time on exact date", cond("Meeting", on, exact("2026-03-03")), []string{"r3"}},
			{"date-time within past week", cond("Meeting", within, span(tablev1.DatePeriod_DATE_PERIOD_PAST_WEEK, 0)), []string{"r1", "r3"}},
			{"date-time within next 1 day", cond("Meeting", within, span(tablev1.DatePeriod_DATE_PERIOD_NEXT_N_DAYS, 1)), []string{"r1", "r2", "r6"}},
			{"date-time is empty", cond("Meeting", empty, nil), []string{"r4", "r5"}},
			{"created on today", cond("Created", on, day(today)), []string{"r3", "r4", "r6"}},
			{"created on today in Paris", inZone(cond("Created", on, day(today)), "Europe/Paris"), []string{"r2", "r3", "r4", "r6"}},
			{"created on yesterday", cond("Created", on, day(yesterday)), []string{"r2"}},
			{"created before 7 days ago", cond("Created", before, daysFrom(tablev1.RelativeDate_RELATIVE_DATE_N_DAYS_AGO, 7)), []string{"r1", "r5"}},
			{"created within past month", cond("Created", within, span(tablev1.DatePeriod_DATE_PERIOD_PAST_MONTH, 0)), []string{"r1", "r2", "r3", "r4", "r6"}},

			// Single select, by choice name (ignoring case) or id.
			{"select equal by name", cond("Color", eq, "red"), []string{"r1", "r6"}},
			{"select not equal", cond("Color", ne, "Red"), []string{"r2", "r3", "r4", "r5"}},
			{"select is any of", cond("Color", anyOf, list("Green", blue)), []string{"r2", "r3"}},
			{"select is none of", cond("Color", noneOf, list("Red")), []string{"r2", "r3", "r4", "r5"}},
			{"select is empty", cond("Color", empty, nil), []string{"r4", "r5"}},
			{"select is not empty", cond("Color", notEmpty, nil), []string{"r1", "r2", "r3", "r6"}},

			// Multiple selects.
			{"multiple equal is the same set", cond("Tags", eq, list("Green", "Red")), []string{"r1"}},
			{"multiple equal one", cond("Tags", eq, list("red")), []string{"r6"}},
			{"multiple has any of", cond("Tags", hasAny, list("Blue")), []string{"r3"}},
			{"multiple has any of two", cond("Tags", hasAny, list("Red", "Blue")), []string{"r1", "r3", "r6"}},
			{"multiple has any of a lone value", cond("Tags", hasAny, "Green"), []string{"r1", "r2", "r3"}},
			{"multiple has all of", cond("Tags", hasAll, list("Red", "Green")), []string{"r1", "r3"}},
			{"multiple has none of", cond("Tags", hasNone, list("Red")), []string{"r2", "r4", "r5"}},
			{"multiple is empty", cond("Tags", empty, nil), []string{"r4", "r5"}},
			{"multiple is not empty", cond("Tags", notEmpty, nil), []string{"r1", "r2", "r3", "r6"}},

			// Users.
			{"collaborator equal", cond("Owner", eq, rt.u1), []string{"r1", "r4"}},
			{"collaborator equal as object", cond("Owner", eq, map[string]any{"id": rt.u2}), []string{"r2", "r6"}},
			{"collaborator not equal", cond("Owner", ne, rt.u1), []string{"r2", "r3", "r5", "r6"}},
			{"collaborator is any of", cond("Owner", anyOf, list(rt.u1, rt.u2)), []string{"r1", "r2", "r4", "r6"}},
			{"collaborator is none of", cond("Owner", noneOf, list(rt.u2)), []string{"r1", "r3", "r4", "r5"}},
			{"collaborator is empty", cond("Owner", empty, nil), []string{"r3", "r5"}},
			{"created by equal", cond("Creator", eq, rt.u2), []string{"r2", "r6"}},
			{"created by is empty", cond("Creator", empty, nil), []string{"r3", "r5"}},

			// JSON, attachments, barcodes.
			{"json is empty", cond("Data", empty, nil), []string{"r2", "r4", "r5", "r6"}},
			{"json is not empty", cond("Data", notEmpty, nil), []string{"r1", "r3"}},
			{"attachment is empty", cond("Files", empty, nil), []string{"r2", "r3", "r4", "r5", "r6"}},
			{"attachment is not empty", cond("Files", notEmpty, nil), []string{"r1"}},
			{"barcode equal", cond("Code", eq, "ABC"), []string{"r4"}},
			{"barcode not equal", cond("Code", ne, "abc"), []string{"r1", "r2", "r3", "r5", "r6"}},
			{"barcode contains", cond("Code", contains, "abc"), []string{"r1", "r4"}},
			{"barcode does not contain", cond("Code", lacks, "abc"), []string{"r2", "r3", "r5", "r6"}},
			{"barcode starts with", cond("Code", starts, "X"), []string{"r2"}},
			{"barcode ends with", cond("Code", ends, "-123"), []string{"r1"}},
			{"barcode is empty", cond("Code", empty, nil), []string{"r3", "r5", "r6"}},

			// Trees.
			{"and", and(cond("Color", eq, "Red"), cond("Amount", gte, 10)), []string{"r1", "r6"}},
			{"or", or(cond("Name", contains, "split"), cond("Stars", gt, 4), cond("Due", empty, nil)), []string{"r2", "r4", "r5"}},
			{"not", not(cond("Color", eq, "Red")), []string{"r2", "r3", "r4", "r5"}},
			{"not of not", not(not(cond("Name", empty, nil))), []string{"r5"}},
			{"not of or inside and", and(not(or(cond("Done", eq, true), cond("Color", empty, nil))), cond("Tags", hasAny, list("Green"))), []string{"r2", "r3"}},
			{"by field id", cond(rt.id("Amount"), eq, 10), []string{"r1", "r6"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if got := rt.where(t, c.f); !slices.Equal(got, c.want) {
					t.Errorf("kept %v; want %v", got, c.want)
				}
				if got, want := rt.where(t, not(c.f)), without(allRecords, c.want); !slices.Equal(got, want) {
					t.Errorf("its not kept %v; want %v", got, want)
				}
			})
		}
		if got := rt.where(t, nil); !slices.Equal(got, allRecords) {
			t.Errorf("no filter kept %v; want every record", got)
		}
	})
}

// TestOrderByOnEveryEngine sorts the records by each kind of field, both
// ways, on real tables.
func TestOrderByOnEveryEngine(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		rt := newRecTable(t, db)
		asc := func(field string) *tablev1.Sort { return &tablev1.Sort{Field: field} }
		desc := func(field string) *tablev1.Sort {
			return &tablev1.Sort{Field: field, Direction: tablev1.SortDirection_SORT_DIRECTION_DESCENDING}
		}
		cases := []struct {
			name  string
			sorts []*tablev1.Sort
			want  []string
		}{
			{"none: insertion order", nil, allRecords},
			{"text ascending ignores case", []*tablev1.Sort{asc("Name")}, []string{"r5", "r4", "r6", "r1", "r2", "r3"}},
			{"text descending", []*tablev1.Sort{desc("name")}, []string{"r3", "r2", "r1", "r6", "r4", "r5"}},
			{"number descending, ties in insertion order", []*tablev1.Sort{desc("Amount")}, []string{"r1", "r6", "r2", "r4", "r3", "r5"}},
			{"select by choice order", []*tablev1.Sort{asc("Color")}, []string{"r4", "r5", "r1", "r6", "r2", "r3"}},
			{"multiple selects by first choice", []*tablev1.Sort{asc("Tags")}, []string{"r4", "r5", "r1", "r6", "r2", "r3"}},
			{"collaborator by name", []*tablev1.Sort{asc("Owner")}, []string{"r3", "r5", "r2", "r6", "r1", "r4"}},
			{"checkbox then number", []*tablev1.Sort{asc("Done"), desc("Amount")}, []string{"r5", "r6", "r2", "r3", "r1", "r4"}},
			{"date descending", []*tablev1.Sort{desc("Due")}, []string{"r6", "r3", "r1", "r2", "r4", "r5"}},
			{"date-time ascending", []*tablev1.Sort{asc("Meeting")}, []string{"r4", "r5", "r3", "r1", "r2", "r6"}},
			{"barcode text", []*tablev1.Sort{asc("Code")}, []string{"r3", "r5", "r6", "r4", "r1", "r2"}},
			{"created time descending", []*tablev1.Sort{desc("Created")}, []string{"r6", "r4", "r3", "r2", "r1", "r5"}},
			{"auto number descending", []*tablev1.Sort{desc("No")}, []string{"r6", "r5", "r4", "r3", "r2", "r1"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				sorts, err := filter.ValidateSorts(c.sorts, rt.fields)
				if err != nil {
					t.Fatal(err)
				}
				order, args, err := filter.OrderBy(sorts, db.Engine, rt.columnOf)
				if err != nil {
					t.Fatal(err)
				}
				if got := rt.ids(t, "SELECT id FROM recs ORDER BY "+order, args...); !slices.Equal(got, c.want) {
					t.Errorf("order %v; want %v\nORDER BY %s", got, c.want, order)
				}
			})
		}
	})
}
