package record_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/filter"
	"github.com/pyairtable/pyairtable/server/record"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

type ft = tablev1.FieldType

// rMixedSpecs is a table with a field of most types.
func rMixedSpecs() []schema.FieldSpec {
	return []schema.FieldSpec{
		{Name: "Name", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT},
		{Name: "Notes", Type: tablev1.FieldType_FIELD_TYPE_LONG_TEXT},
		{Name: "Email", Type: tablev1.FieldType_FIELD_TYPE_EMAIL},
		{Name: "Amount", Type: tablev1.FieldType_FIELD_TYPE_NUMBER, Options: &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Number{Number: &tablev1.NumberOptions{Precision: 2}}}},
		{Name: "Done", Type: tablev1.FieldType_FIELD_TYPE_CHECKBOX},
		{Name: "Due", Type: tablev1.FieldType_FIELD_TYPE_DATE},
		{Name: "When", Type: tablev1.FieldType_FIELD_TYPE_DATE_TIME},
		{Name: "Status", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, Options: rChoices("Todo", "Doing", "Done")},
		{Name: "Tags", Type: tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS, Options: rChoices("Red", "Blue", "Green")},
		{Name: "Code", Type: tablev1.FieldType_FIELD_TYPE_BARCODE},
		{Name: "Data", Type: tablev1.FieldType_FIELD_TYPE_JSON},
		{Name: "Auto", Type: tablev1.FieldType_FIELD_TYPE_AUTO_NUMBER},
		{Name: "Created", Type: tablev1.FieldType_FIELD_TYPE_CREATED_TIME},
		{Name: "Creator", Type: tablev1.FieldType_FIELD_TYPE_CREATED_BY},
	}
}

// rMixed makes the mixed table with records A…F (F is due in ten days).
func rMixed(t *testing.T, db *storage.DB) *rFix {
	f := rStart(t, db, rMixedSpecs())
	soon := time.Now().UTC().AddDate(0, 0, 10).Format("2006-01-02")
	f.rInsert(t,
		map[string]any{"Name": "Apple", "Notes": "école primaire", "Email": "a@x.com", "Amount": 10.5, "Done": true,
			"Due": "2024-01-10", "When": "2024-01-10T10:00:00Z", "Status": "Todo", "Tags": []any{"Red"}, "Code": "ABC123", "Data": map[string]any{"k": 1}},
		map[string]any{"Name": "banana", "Notes": "Straße", "Email": "b@y.org", "Amount": -3, "Done": false,
			"Due": "2024-02-01", "When": "2024-02-01T23:30:00Z", "Status": "Doing", "Tags": []any{"Red", "Blue"}, "Code": "xyz"},
		map[string]any{"Name": "Cherry 50%_off", "Notes": "ΣΟΦΊΑ", "Amount": 0, "Done": true, "Status": "Done", "Tags": []any{"Blue"}, "_created_by": "usrOTHER000000000"},
		map[string]any{"Name": "apple pie", "Notes": "🍎 emoji", "Email": "d@x.com", "Due": "2024-01-10", "When": "2024-01-10T00:00:00Z"},
		map[string]any{"Notes": "no name", "_created_by": "usrOTHER000000000"},
		map[string]any{"Name": "Fig", "Due": soon},
	)
	// E has no name: name it for the checks.
	var eID string
	if err := db.NewRaw("SELECT id FROM "+f.phys+" WHERE "+schema.QuoteIdent(f.fields["Name"].ColumnName)+" IS NULL").Scan(context.Background(), &eID); err != nil {
		t.Fatal(err)
	}
	f.ids["E"] = eID
	return f
}

func rCond(field string, op tablev1.Operator, v any) *tablev1.Filter {
	c := &tablev1.Condition{Field: field, Operator: op}
	switch x := v.(type) {
	case nil:
	case *tablev1.DateOperand:
		c.Operand = &tablev1.Condition_Date{Date: x}
	case *tablev1.DateRange:
		c.Operand = &tablev1.Condition_DateRange{DateRange: x}
	default:
		val, err := structpb.NewValue(v)
		if err != nil {
			panic(err)
		}
		c.Operand = &tablev1.Condition_Value{Value: val}
	}
	return &tablev1.Filter{Node: &tablev1.Filter_Condition{Condition: c}}
}

func rDay(d string) *tablev1.DateOperand {
	return &tablev1.DateOperand{Relative: tablev1.RelativeDate_RELATIVE_DATE_EXACT_DATE, ExactDate: d}
}

func rAnd(fs ...*tablev1.Filter) *tablev1.Filter {
	return &tablev1.Filter{Node: &tablev1.Filter_And{And: &tablev1.FilterGroup{Filters: fs}}}
}

func rOr(fs ...*tablev1.Filter) *tablev1.Filter {
	return &tablev1.Filter{Node: &tablev1.Filter_Or{Or: &tablev1.FilterGroup{Filters: fs}}}
}

func rNot(f *tablev1.Filter) *tablev1.Filter {
	return &tablev1.Filter{Node: &tablev1.Filter_Not{Not: f}}
}

// TestReadsFilterOperators runs every operator of every field type of the
// mixed table (filter.Operators, the table docs/filters.md shows) against
// the records it must find, and the same case under not, which must find
// exactly the others.
func TestReadsFilterOperators(t *testing.T) {
	const (
		eq, ne, lt, le, gt, ge = tablev1.Operator_OPERATOR_EQUAL, tablev1.Operator_OPERATOR_NOT_EQUAL, tablev1.Operator_OPERATOR_LESS_THAN,
			tablev1.Operator_OPERATOR_LESS_THAN_OR_EQUAL, tablev1.Operator_OPERATOR_GREATER_THAN, tablev1.Operator_OPERATOR_GREATER_THAN_OR_EQUAL
		contains, notContains = tablev1.Operator_OPERATOR_CONTAINS, tablev1.Operator_OPERATOR_DOES_NOT_CONTAIN
		starts, ends          = tablev1.Operator_OPERATOR_STARTS_WITH, tablev1.Operator_OPERATOR_ENDS_WITH
		empty, notEmpty       = tablev1.Operator_OPERATOR_IS_EMPTY, tablev1.Operator_OPERATOR_IS_NOT_EMPTY
		anyOf, noneOf         = tablev1.Operator_OPERATOR_IS_ANY_OF, tablev1.Operator_OPERATOR_IS_NONE_OF
		hasAny, hasAll, hasNo = tablev1.Operator_OPERATOR_HAS_ANY_OF, tablev1.Operator_OPERATOR_HAS_ALL_OF, tablev1.Operator_OPERATOR_HAS_NONE_OF
		before, after         = tablev1.Operator_OPERATOR_BEFORE, tablev1.Operator_OPERATOR_AFTER
		onOrBefore, onOrAfter = tablev1.Operator_OPERATOR_ON_OR_BEFORE, tablev1.Operator_OPERATOR_ON_OR_AFTER
		on, within            = tablev1.Operator_OPERATOR_ON, tablev1.Operator_OPERATOR_WITHIN
	)
	all := []string{"A", "B", "C", "D", "E", "F"}
	cases := []struct {
		field string
		op    tablev1.Operator
		value any
		want  string // record letters
	}{
		{"Name", eq, "APPLE", "A"},
		{"Name", ne, "apple", "BCDEF"},
		{"Name", contains, "APPLE", "AD"},
		{"Name", contains, "50%_", "C"},
		{"Name", contains, "%", "C"},
		{"Name", notContains, "apple", "BCEF"},
		{"Name", starts, "app", "AD"},
		{"Name", ends, "PIE", "D"},
		{"Name", anyOf, []any{"apple", "BANANA"}, "AB"},
		{"Name", noneOf, []any{"apple", "BANANA"}, "CDEF"},
		{"Name", empty, nil, "E"},
		{"Name", notEmpty, nil, "ABCDF"},
		{"Notes", contains, "ÉCOLE", "A"},
		{"Notes", eq, "straße", "B"},
		{"Notes", contains, "σοφ", "C"},
		{"Notes", contains, "🍎", "D"},
		{"Email", ends, "@X.COM", "AD"},
		{"Notes", starts, "É", "A"},
		{"Notes", ne, "straße", "ACDEF"},
		{"Notes", notContains, "E", "CF"},
		{"Notes", ends, "RE", "A"},
		{"Notes", anyOf, []any{"ΣΟΦΊΑ", "no NAME"}, "CE"},
		{"Notes", noneOf, []any{"σοφία"}, "ABDEF"},
		{"Notes", empty, nil, "F"},
		{"Notes", notEmpty, nil, "ABCDE"},
		{"Email", contains, "Y.O", "B"},
		{"Email", eq, "A@X.COM", "A"},
		{"Email", ne, "a@x.com", "BCDEF"},
		{"Email", notContains, "x.com", "BCEF"},
		{"Email", starts, "D@", "D"},
		{"Email", notEmpty, nil, "ABD"},
		{"Email", anyOf, []any{"b@y.org", "D@X.COM"}, "BD"},
		{"Email", noneOf, []any{"b@y.org"}, "ACDEF"},
		{"Email", empty, nil, "CEF"},
		{"Amount", eq, 10.5, "A"},
		{"Amount", ne, 0, "ABDEF"},
		{"Amount", lt, 0, "B"},
		{"Amount", le, 0, "BC"},
		{"Amount", gt, 0, "A"},
		{"Amount", ge, -3, "ABC"},
		{"Amount", empty, nil, "DEF"},
		{"Amount", notEmpty, nil, "ABC"},
		{"Done", eq, true, "AC"},
		{"Done", ne, true, "BDEF"},
		{"Due", before, rDay("2024-01-11"), "AD"},
		{"Due", after, rDay("2024-01-10"), "BF"},
		{"Due", onOrBefore, rDay("2024-02-01"), "ABD"},
		{"Due", onOrAfter, rDay("2024-02-01"), "BF"},
		{"Due", on, rDay("2024-01-10"), "AD"},
		{"Due", within, &tablev1.DateRange{Period: tablev1.DatePeriod_DATE_PERIOD_NEXT_MONTH}, "F"},
		{"Due", empty, nil, "CE"},
		{"Due", notEmpty, nil, "ABDF"},
		{"When", on, rDay("2024-01-10"), "AD"},
		{"When", before, rDay("2024-01-10"), ""},
		{"When", after, rDay("2024-01-10"), "B"},
		{"When", onOrBefore, rDay("2024-01-10"), "AD"},
		{"When", onOrAfter, rDay("2024-01-11"), "B"},
		{"When", within, &tablev1.DateRange{Period: tablev1.DatePeriod_DATE_PERIOD_NEXT_WEEK}, ""},
		{"When", empty, nil, "CEF"},
		{"When", notEmpty, nil, "ABD"},
		{"Status", eq, "Todo", "A"},
		{"Status", ne, "Todo", "BCDEF"},
		{"Status", anyOf, []any{"Todo", "Done"}, "AC"},
		{"Status", noneOf, []any{"Todo", "Done"}, "BDEF"},
		{"Status", empty, nil, "DEF"},
		{"Status", notEmpty, nil, "ABC"},
		{"Tags", eq, []any{"Blue", "Red"}, "B"},
		{"Tags", hasAny, []any{"Blue"}, "BC"},
		{"Tags", hasAll, []any{"Red", "Blue"}, "B"},
		{"Tags", hasNo, []any{"Red"}, "CDEF"},
		{"Tags", empty, nil, "DEF"},
		{"Tags", notEmpty, nil, "ABC"},
		{"Code", eq, "abc123", "A"},
		{"Code", ne, "abc123", "BCDEF"},
		{"Code", contains, "BC", "A"},
		{"Code", notContains, "y", "ACDEF"},
		{"Code", starts, "XY", "B"},
		{"Code", ends, "123", "A"},
		{"Code", empty, nil, "CDEF"},
		{"Code", notEmpty, nil, "AB"},
		{"Data", empty, nil, "BCDEF"},
		{"Data", notEmpty, nil, "A"},
		{"Auto", eq, 1, "A"},
		{"Auto", ne, 1, "BCDEF"},
		{"Auto", lt, 3, "AB"},
		{"Auto", le, 3, "ABC"},
		{"Auto", gt, 4, "EF"},
		{"Auto", ge, 4, "DEF"},
		{"Created", within, &tablev1.DateRange{Period: tablev1.DatePeriod_DATE_PERIOD_PAST_WEEK}, "ABCDEF"},
		{"Created", before, &tablev1.DateOperand{Relative: tablev1.RelativeDate_RELATIVE_DATE_TODAY}, ""},
		{"Created", after, &tablev1.DateOperand{Relative: tablev1.RelativeDate_RELATIVE_DATE_YESTERDAY}, "ABCDEF"},
		{"Created", onOrBefore, &tablev1.DateOperand{Relative: tablev1.RelativeDate_RELATIVE_DATE_TOMORROW}, "ABCDEF"},
		{"Created", onOrAfter, &tablev1.DateOperand{Relative: tablev1.RelativeDate_RELATIVE_DATE_TOMORROW}, ""},
		{"Created", on, &tablev1.DateOperand{Relative: tablev1.RelativeDate_RELATIVE_DATE_TODAY}, "ABCDEF"},
		{"Creator", eq, "usrOTHER000000000", "CE"},
		{"Creator", ne, "usrOTHER000000000", "ABDF"},
		{"Creator", anyOf, []any{"usrOTHER000000000"}, "CE"},
		{"Creator", noneOf, []any{"usrOTHER000000000"}, "ABDF"},
		{"Creator", empty, nil, ""},
		{"Creator", notEmpty, nil, "ABCDEF"},
	}
	// Every operator of every type in the table has a case.
	typeOf := map[string]ft{}
	for _, spec := range rMixedSpecs() {
		typeOf[spec.Name] = spec.Type
	}
	covered := map[string]bool{}
	for _, c := range cases {
		covered[typeOf[c.field].String()+"/"+c.op.String()] = true
	}
	for _, spec := range rMixedSpecs() {
		for _, op := range filter.Operators(spec.Type) {
			if !covered[spec.Type.String()+"/"+op.String()] {
				t.Errorf("no case for %s (%s) %s", spec.Name, spec.Type, op)
			}
		}
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := rMixed(t, db)
		// The records are named by their Name, E and Fig: letters.
		letter := map[string]string{f.ids["Apple"]: "A", f.ids["banana"]: "B", f.ids["Cherry 50%_off"]: "C",
			f.ids["apple pie"]: "D", f.ids["E"]: "E", f.ids["Fig"]: "F"}
		letters := func(recIDs []string) string {
			var out []string
			for _, id := range recIDs {
				out = append(out, letter[id])
			}
			slices.Sort(out)
			return strings.Join(out, "")
		}
		for _, c := range cases {
			fl := rCond(c.field, c.op, c.value)
			got := letters(f.rAll(t, record.Query{Filter: fl}))
			if got != c.want {
				t.Errorf("%s %s %v: got %q, want %q", c.field, c.op, c.value, got, c.want)
			}
			var rest []string
			for _, l := range all {
				if !strings.Contains(c.want, l) {
					rest = append(rest, l)
				}
			}
			if got := letters(f.rAll(t, record.Query{Filter: rNot(fl)})); got != strings.Join(rest, "") {
				t.Errorf("not (%s %s %v): got %q, want %q", c.field, c.op, c.value, got, strings.Join(rest, ""))
			}
			n, err := f.recs.Count(context.Background(), f.table.ID, record.Query{Filter: fl})
			if err != nil || int(n) != len(c.want) {
				t.Errorf("count %s %s: %d, %v; want %d", c.field, c.op, n, err, len(c.want))
			}
		}
		// and / or / not combinations.
		combos := []struct {
			f    *tablev1.Filter
			want string
		}{
			{rAnd(rCond("Name", contains, "apple"), rCond("Done", eq, true)), "A"},
			{rOr(rCond("Status", eq, "Done"), rCond("Amount", lt, 0)), "BC"},
			{rAnd(rOr(rCond("Tags", hasAny, []any{"Red"}), rCond("Due", empty, nil)), rNot(rCond("Amount", gt, 5))), "BCE"},
			{rNot(rOr(rCond("Name", empty, nil), rCond("Notes", contains, "e"))), "CF"},
		}
		for i, c := range combos {
			if got := letters(f.rAll(t, record.Query{Filter: c.f})); got != c.want {
				t.Errorf("combination %d: got %q, want %q", i, got, c.want)
			}
		}
	})
}

// TestReadsFilterLimits: filters that nest too deep or hold too many
// conditions are refused with violations at their paths, and write
// nothing (lists and counts alike).
func TestReadsFilterLimits(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := rStart(t, db, []schema.FieldSpec{{Name: "Name", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT}})
		ctx := context.Background()
		deep := rCond("Name", tablev1.Operator_OPERATOR_IS_EMPTY, nil)
		for i := 0; i < filter.MaxDepth+2; i++ {
			deep = rNot(deep)
		}
		_, err := f.recs.List(ctx, f.table.ID, record.Query{Filter: deep})
		rWantErr(t, err, apperr.InvalidArgument, filter.ReasonInvalidFilter, "")
		var many []*tablev1.Filter
		for i := 0; i < filter.MaxGroupFilters; i++ {
			many = append(many, rCond("Name", tablev1.Operator_OPERATOR_EQUAL, "x"))
		}
		huge := rOr(rAnd(many...), rAnd(many...), rAnd(many...))
		_, err = f.recs.Count(ctx, f.table.ID, record.Query{Filter: huge})
		rWantErr(t, err, apperr.InvalidArgument, filter.ReasonInvalidFilter, "filter")
		_, err = f.recs.List(ctx, f.table.ID, record.Query{Filter: rCond("Nope", tablev1.Operator_OPERATOR_IS_EMPTY, nil)})
		rWantErr(t, err, apperr.InvalidArgument, filter.ReasonInvalidFilter, "filter.condition.field")
		_, err = f.recs.List(ctx, f.table.ID, record.Query{Sorts: []*tablev1.Sort{{Field: "Nope"}}})
		rWantErr(t, err, apperr.InvalidArgument, filter.ReasonInvalidSort, "sorts[0].field")
		_, err = f.recs.List(ctx, f.table.ID, record.Query{Search: strings.Repeat("x", record.MaxSearchLength+1)})
		rWantErr(t, err, apperr.InvalidArgument, "INVALID_ARGUMENT", "search")
	})
}
