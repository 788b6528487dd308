package filter_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/filter"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/schema"
)

// testFields is a table's fields, by name.
type testFields struct {
	list   []*schema.Field
	byName map[string]*schema.Field
}

func newTestFields(t *testing.T) *testFields {
	t.Helper()
	tf := &testFields{byName: map[string]*schema.Field{}}
	add := func(name string, kind tablev1.FieldType, opts *tablev1.FieldOptions) {
		f := newField(t, name, kind, opts)
		tf.list = append(tf.list, f)
		tf.byName[name] = f
	}
	add("Name", tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT, nil)
	add("Amount", tablev1.FieldType_FIELD_TYPE_NUMBER, nil)
	add("Share", tablev1.FieldType_FIELD_TYPE_PERCENT, nil)
	add("Time spent", tablev1.FieldType_FIELD_TYPE_DURATION, nil)
	add("Done", tablev1.FieldType_FIELD_TYPE_CHECKBOX, nil)
	add("Due", tablev1.FieldType_FIELD_TYPE_DATE, nil)
	add("Color", tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, selectOptions("Red", "Green", "Blue"))
	add("Tags", tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS, selectOptions("Red", "Green", "Blue"))
	add("Owner", tablev1.FieldType_FIELD_TYPE_COLLABORATOR, nil)
	add("Data", tablev1.FieldType_FIELD_TYPE_JSON, nil)
	return tf
}

func (tf *testFields) id(name string) string { return tf.byName[name].ID }

// without returns the fields but one.
func (tf *testFields) without(name string) []*schema.Field {
	return slices.DeleteFunc(slices.Clone(tf.list), func(f *schema.Field) bool { return f.Name == name })
}

func mustJSON(t *testing.T, m proto.Message) string {
	t.Helper()
	b, err := protojson.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestValidateResolvesNamesToIDs: fields by name (ignoring case) or id,
// choices by name or id, users as objects, all come back by id.
func TestValidateResolvesNamesToIDs(t *testing.T) {
	tf := newTestFields(t)
	user := ids.New(ids.User)
	red, green := choiceID(t, tf.byName["Color"], "Red"), choiceID(t, tf.byName["Tags"], "Green")
	in := and(
		cond(" color ", tablev1.Operator_OPERATOR_IS_ANY_OF, list("RED", choiceID(t, tf.byName["Color"], "Blue"), "red")),
		cond("TAGS", tablev1.Operator_OPERATOR_HAS_ALL_OF, "green"),
		not(cond(tf.id("Owner"), tablev1.Operator_OPERATOR_EQUAL, map[string]any{"id": user})),
		inZone(cond("due", tablev1.Operator_OPERATOR_ON, exact("2026-11-21")), "Europe/Paris"),
		cond("Share", tablev1.Operator_OPERATOR_GREATER_THAN, "25%"),
		cond("Time spent", tablev1.Operator_OPERATOR_LESS_THAN, "1:30"),
		cond("Amount", tablev1.Operator_OPERATOR_GREATER_THAN, 2.5),
		cond("Done", tablev1.Operator_OPERATOR_EQUAL, "no"),
	)
	tree, err := filter.Validate(in, tf.list)
	if err != nil {
		t.Fatal(err)
	}
	want := and(
		cond(tf.id("Color"), tablev1.Operator_OPERATOR_IS_ANY_OF, list(red, choiceID(t, tf.byName["Color"], "Blue"))),
		cond(tf.id("Tags"), tablev1.Operator_OPERATOR_HAS_ALL_OF, list(green)),
		not(cond(tf.id("Owner"), tablev1.Operator_OPERATOR_EQUAL, user)),
		inZone(cond(tf.id("Due"), tablev1.Operator_OPERATOR_ON, exact("2026-11-21")), "Europe/Paris"),
		cond(tf.id("Share"), tablev1.Operator_OPERATOR_GREATER_THAN, 0.25),
		cond(tf.id("Time spent"), tablev1.Operator_OPERATOR_LESS_THAN, 5400),
		cond(tf.id("Amount"), tablev1.Operator_OPERATOR_GREATER_THAN, 2.5),
		cond(tf.id("Done"), tablev1.Operator_OPERATOR_EQUAL, false),
	)
	if got := tree.Proto(); !proto.Equal(got, want) {
		t.Fatalf("stored form =\n%s\nwant\n%s", mustJSON(t, got), mustJSON(t, want))
	}
	// The stored form validates to itself.
	again, err := filter.Validate(tree.Proto(), tf.list)
	if err != nil || !proto.Equal(again.Proto(), want) {
		t.Fatalf("validating the stored form: %v, %v", err, again.Proto())
	}
	if n := len(tree.Conditions()); n != 8 {
		t.Fatalf("tree has %d conditions; want 8", n)
	}
	if tree, err := filter.Validate(nil, tf.list); tree != nil || err != nil || tree.Proto() != nil {
		t.Fatalf("Validate(nil) = %v, %v; want the nil tree", tree, err)
	}
}

// TestValidateRefusals: each bad filter is refused with a violation whose
// path points into the request.
func TestValidateRefusals(t *testing.T) {
	tf := newTestFields(t)
	ok := cond("Name", tablev1.Operator_OPERATOR_EQUAL, "x")
	withZone := inZone(cond("Name", tablev1.Operator_OPERATOR_EQUAL, "x"), "UTC")
	nest := func(levels int) *tablev1.Filter {
		f := cond("Name", tablev1.Operator_OPERATOR_IS_EMPTY, nil)
		for range levels - 1 {
			f = not(f)
		}
		return f
	}
	many := func(n int) *tablev1.Filter {
		var fs []*tablev1.Filter
		for range n {
			fs = append(fs, cond("Name", tablev1.Operator_OPERATOR_IS_EMPTY, nil))
		}
		return and(fs...)
	}
	long := strings.Repeat("x", filter.MaxTextLength+1)
	hundredAndOne := make([]any, filter.MaxListValues+1)
	for i := range hundredAndOne {
		hundredAndOne[i] = fmt.Sprint("v", i)
	}
	cases := []struct {
		name string
		f    *tablev1.Filter
		path string
		rule string
	}{
		{"unknown field", and(ok, cond("Nope", tablev1.Operator_OPERATOR_EQUAL, "x")), "filter.and.filters[1].condition.field", "filter.field.exists"},
		{"operator that does not fit the type", and(ok, ok, cond("Amount", tablev1.Operator_OPERATOR_CONTAINS, "1")), "filter.and.filters[2].condition.operator", "filter.operator.type"},
		{"date operator on text", or(cond("Name", tablev1.Operator_OPERATOR_BEFORE, day(today))), "filter.or.filters[0].condition.operator", "filter.operator.type"},
		{"text operator on a date", cond("Due", tablev1.Operator_OPERATOR_EQUAL, "2026-01-01"), "filter.condition.operator", "filter.operator.type"},
		{"any operator on JSON", cond("Data", tablev1.Operator_OPERATOR_EQUAL, "x"), "filter.condition.operator", "filter.operator.type"},
		{"no operator", cond("Name", tablev1.Operator_OPERATOR_UNSPECIFIED, "x"), "filter.condition.operator", "filter.operator.required"},
		{"number that is not one", cond("Amount", tablev1.Operator_OPERATOR_EQUAL, "lots"), "filter.condition.value", "filter.value.number"},
		{"number as true", cond("Amount", tablev1.Operator_OPERATOR_EQUAL, true), "filter.condition.value", "filter.value.type"},
		{"text as a number", cond("Name", tablev1.Operator_OPERATOR_CONTAINS, 5), "filter.condition.value", "filter.value.type"},
		{"empty text", cond("Name", tablev1.Operator_OPERATOR_EQUAL, ""), "filter.condition.value", "filter.value.required"},
		{"text too long", cond("Name", tablev1.Operator_OPERATOR_CONTAINS, long), "filter.condition.value", "filter.value.max_len"},
		{"checkbox as a number", cond("Done", tablev1.Operator_OPERATOR_EQUAL, 1), "filter.condition.value", "filter.value.type"},
		{"unknown choice", cond("Color", tablev1.Operator_OPERATOR_EQUAL, "Purple"), "filter.condition.value", "filter.value.choice"},
		{"unknown choice in a list", cond("Color", tablev1.Operator_OPERATOR_IS_ANY_OF, list("Red", "Purple")), "filter.condition.value[1]", "filter.value.choice"},
		{"empty list", cond("Tags", tablev1.Operator_OPERATOR_HAS_ANY_OF, []any{}), "filter.condition.value", "filter.value.min_items"},
		{"list too long", cond("Name", tablev1.Operator_OPERATOR_IS_ANY_OF, hundredAndOne), "filter.condition.value", "filter.value.max_items"},
		{"user by email", cond("Owner", tablev1.Operator_OPERATOR_EQUAL, "bob@example.com"), "filter.condition.value", "filter.value.user"},
		{"no value", cond("Name", tablev1.Operator_OPERATOR_EQUAL, nil), "filter.condition.value", "filter.value.required"},
		{"value for IS_EMPTY", cond("Name", tablev1.Operator_OPERATOR_IS_EMPTY, "x"), "filter.condition.value", "filter.value.none"},
		{"date for IS_EMPTY", cond("Due", tablev1.Operator_OPERATOR_IS_EMPTY, day(today)), "filter.condition.date", "filter.value.none"},
		{"date operator without a date", cond("Due", tablev1.Operator_OPERATOR_ON, nil), "filter.condition.date", "filter.date.required"},
		{"date operator with a value", cond("Due", tablev1.Operator_OPERATOR_ON, "2026-01-01"), "filter.condition.value", "filter.value.type"},
		{"within without a range", cond("Due", tablev1.Operator_OPERATOR_WITHIN, nil), "filter.condition.date_range", "filter.date_range.required"},
		{"within with a day", cond("Due", tablev1.Operator_OPERATOR_WITHIN, day(today)), "filter.condition.date", "filter.value.type"},
		{"on with a range", cond("Due", tablev1.Operator_OPERATOR_ON, span(tablev1.DatePeriod_DATE_PERIOD_PAST_WEEK, 0)), "filter.condition.date_range", "filter.value.type"},
		{"date for a value operator", cond("Name", tablev1.Operator_OPERATOR_EQUAL, day(today)), "filter.condition.value", "filter.value.type"},
		{"impossible date", cond("Due", tablev1.Operator_OPERATOR_ON, exact("2026-02-30")), "filter.condition.date.exact_date", "filter.date.exact_date"},
		{"exact date with today", cond("Due", tablev1.Operator_OPERATOR_ON, &tablev1.DateOperand{Relative: today, ExactDate: "2026-01-01"}), "filter.condition.date.exact_date", "filter.date.exact_date"},
		{"days with today", cond("Due", tablev1.Operator_OPERATOR_ON, daysFrom(today, 3)), "filter.condition.date.days", "filter.date.days"},
		{"too many days", cond("Due", tablev1.Operator_OPERATOR_ON, daysFrom(tablev1.RelativeDate_RELATIVE_DATE_N_DAYS_AGO, 10001)), "filter.condition.date.days", "filter.date.days"},
		{"no relative date", cond("Due", tablev1.Operator_OPERATOR_ON, &tablev1.DateOperand{}), "filter.condition.date.relative", "filter.date.relative"},
		{"past 0 days", cond("Due", tablev1.Operator_OPERATOR_WITHIN, span(tablev1.DatePeriod_DATE_PERIOD_PAST_N_DAYS, 0)), "filter.condition.date_range.days", "filter.date_range.days"},
		{"days with past week", cond("Due", tablev1.Operator_OPERATOR_WITHIN, span(tablev1.DatePeriod_DATE_PERIOD_PAST_WEEK, 3)), "filter.condition.date_range.days", "filter.date_range.days"},
		{"no period", cond("Due", tablev1.Operator_OPERATOR_WITHIN, span(tablev1.DatePeriod_DATE_PERIOD_UNSPECIFIED, 0)), "filter.condition.date_range.period", "filter.date_range.period"},
		{"unknown time zone", inZone(cond("Due", tablev1.Operator_OPERATOR_ON, day(today)), "Mars/Olympus"), "filter.condition.time_zone", "filter.time_zone"},
		{"server's local time zone", inZone(cond("Due", tablev1.Operator_OPERATOR_ON, day(today)), "Local"), "filter.condition.time_zone", "filter.time_zone"},
		{"time zone on a text condition", withZone, "filter.condition.time_zone", "filter.time_zone.operator"},
		{"nine levels", nest(filter.MaxDepth + 1), "filter" + strings.Repeat(".not", filter.MaxDepth), "filter.depth"},
		{"empty group", and(), "filter.and.filters", "filter.group.min_items"},
		{"group too large", many(filter.MaxGroupFilters + 1), "filter.and.filters", "filter.group.max_items"},
		{"no node", &tablev1.Filter{}, "filter", "filter.node.required"},
		{"too many conditions", and(many(100), many(100), ok), "filter", "filter.conditions.max"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := filter.Validate(c.f, tf.list)
			e, isApp := apperr.As(err)
			if !isApp || e.Kind != apperr.InvalidArgument || e.Reason != filter.ReasonInvalidFilter {
				t.Fatalf("err = %v; want InvalidArgument, reason %s", err, filter.ReasonInvalidFilter)
			}
			if len(e.Violations) != 1 || e.Violations[0].Path != c.path || e.Violations[0].Rule != c.rule {
				t.Fatalf("violations = %+v; want one at %s, rule %s", e.Violations, c.path, c.rule)
			}
			if !strings.HasPrefix(e.Message, c.path+": ") {
				t.Errorf("message %q does not start with the path", e.Message)
			}
		})
	}
	// Eight levels are fine; every problem of a filter is reported.
	if _, err := filter.Validate(nest(filter.MaxDepth), tf.list); err != nil {
		t.Fatalf("eight levels: %v", err)
	}
	_, err := filter.Validate(or(cond("Nope", tablev1.Operator_OPERATOR_EQUAL, "x"), ok, cond("Amount", tablev1.Operator_OPERATOR_EQUAL, "x")), tf.list)
	e, _ := apperr.As(err)
	if e == nil || len(e.Violations) != 2 || !strings.Contains(e.Message, "(and 1 more)") {
		t.Fatalf("two bad conditions: %v; want both reported", err)
	}
}

// TestOperatorTableCoversEveryType: every field type the server knows has a
// decision in the operator table, and every operator fits some type.
func TestOperatorTableCoversEveryType(t *testing.T) {
	used := map[tablev1.Operator]bool{}
	for n := range tablev1.FieldType_name {
		kind := tablev1.FieldType(n)
		if kind == tablev1.FieldType_FIELD_TYPE_UNSPECIFIED {
			continue
		}
		ops := filter.Operators(kind)
		if len(ops) == 0 {
			t.Errorf("%s takes no operator", kind)
		}
		for _, op := range ops {
			used[op] = true
			if !filter.Allowed(kind, op) {
				t.Errorf("Operators(%s) lists %s, which Allowed refuses", kind, op)
			}
		}
	}
	for n := range tablev1.Operator_name {
		if op := tablev1.Operator(n); op != tablev1.Operator_OPERATOR_UNSPECIFIED && !used[op] {
			t.Errorf("no field type takes %s", op)
		}
	}
}

// TestPruneDropsWhatNoLongerApplies: a stored filter keeps working after a
// field is deleted, changes type or loses a choice.
func TestPruneDropsWhatNoLongerApplies(t *testing.T) {
	tf := newTestFields(t)
	stored, err := filter.Validate(and(
		cond("Name", tablev1.Operator_OPERATOR_CONTAINS, "a"),
		or(cond("Amount", tablev1.Operator_OPERATOR_GREATER_THAN, 1), not(cond("Amount", tablev1.Operator_OPERATOR_IS_EMPTY, nil))),
		cond("Color", tablev1.Operator_OPERATOR_IS_ANY_OF, list("Red", "Blue")),
		cond("Tags", tablev1.Operator_OPERATOR_HAS_ANY_OF, list("Green")),
	), tf.list)
	if err != nil {
		t.Fatal(err)
	}
	saved := stored.Proto()

	// Nothing changed: the same filter, nothing stale.
	tree, stale := filter.Prune(saved, tf.list)
	if !proto.Equal(tree.Proto(), saved) || len(stale) != 0 {
		t.Fatalf("unchanged fields: %v, stale %v", tree.Proto(), stale)
	}

	// Amount deleted: its or group goes; Name became a number: its
	// condition goes; Color lost Blue: the list keeps Red; Tags lost Green:
	// the condition goes.
	fields := tf.without("Amount")
	renamedName := *tf.byName["Name"]
	renamedName.Type = tablev1.FieldType_FIELD_TYPE_NUMBER.String()
	fields[0] = &renamedName
	color := newField(t, "Color", tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, nil)
	color.ID = tf.id("Color")
	color.Options = `{"select":{"choices":[{"id":"` + choiceID(t, tf.byName["Color"], "Red") + `","name":"Red","color":"red"}]}}`
	tags := *tf.byName["Tags"]
	tags.Options = `{"select":{"choices":[]}}`
	for i, f := range fields {
		switch f.Name {
		case "Color":
			fields[i] = color
		case "Tags":
			fields[i] = &tags
		}
	}
	tree, stale = filter.Prune(saved, fields)
	want := and(cond(tf.id("Color"), tablev1.Operator_OPERATOR_IS_ANY_OF, list(choiceID(t, tf.byName["Color"], "Red"))))
	if !proto.Equal(tree.Proto(), want) {
		t.Fatalf("pruned =\n%s\nwant\n%s", mustJSON(t, tree.Proto()), mustJSON(t, want))
	}
	wantStale := []string{tf.id("Name"), tf.id("Amount"), tf.id("Tags")}
	if !slices.Equal(stale, wantStale) {
		t.Fatalf("stale = %v; want %v", stale, wantStale)
	}

	// Nothing left: the nil tree.
	tree, stale = filter.Prune(cond(tf.id("Amount"), tablev1.Operator_OPERATOR_IS_EMPTY, nil), fields)
	if tree != nil || !slices.Equal(stale, []string{tf.id("Amount")}) {
		t.Fatalf("all pruned: %v, %v", tree, stale)
	}
}

func TestValidateSorts(t *testing.T) {
	tf := newTestFields(t)
	sorts, err := filter.ValidateSorts([]*tablev1.Sort{
		{Field: "amount", Direction: tablev1.SortDirection_SORT_DIRECTION_DESCENDING},
		{Field: tf.id("Name")},
	}, tf.list)
	if err != nil {
		t.Fatal(err)
	}
	want := []*tablev1.Sort{
		{Field: tf.id("Amount"), Direction: tablev1.SortDirection_SORT_DIRECTION_DESCENDING},
		{Field: tf.id("Name"), Direction: tablev1.SortDirection_SORT_DIRECTION_ASCENDING},
	}
	got := filter.SortsProto(sorts)
	if len(got) != len(want) || !proto.Equal(got[0], want[0]) || !proto.Equal(got[1], want[1]) {
		t.Fatalf("stored sorts = %v; want %v", got, want)
	}

	twentyOne := make([]*tablev1.Sort, filter.MaxSorts+1)
	for i := range twentyOne {
		twentyOne[i] = &tablev1.Sort{Field: "Name"}
	}
	cases := []struct {
		name  string
		sorts []*tablev1.Sort
		path  string
		rule  string
	}{
		{"unknown field", []*tablev1.Sort{{Field: "Name"}, {Field: "Nope"}}, "sorts[1].field", "sort.field.exists"},
		{"twice the same field", []*tablev1.Sort{{Field: "Name"}, {Field: "Amount"}, {Field: "NAME"}}, "sorts[2].field", "sort.field.unique"},
		{"JSON", []*tablev1.Sort{{Field: "Data"}}, "sorts[0].field", "sort.field.type"},
		{"unknown direction", []*tablev1.Sort{{Field: "Name", Direction: 7}}, "sorts[0].direction", "sort.direction"},
		{"too many", twentyOne, "sorts", "sort.max_items"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := filter.ValidateSorts(c.sorts, tf.list)
			e, isApp := apperr.As(err)
			if !isApp || e.Kind != apperr.InvalidArgument || e.Reason != filter.ReasonInvalidSort {
				t.Fatalf("err = %v; want InvalidArgument, reason %s", err, filter.ReasonInvalidSort)
			}
			if len(e.Violations) != 1 || e.Violations[0].Path != c.path || e.Violations[0].Rule != c.rule {
				t.Fatalf("violations = %+v; want one at %s, rule %s", e.Violations, c.path, c.rule)
			}
		})
	}

	// Stored sorts on a deleted field are left out.
	kept, stale := filter.PruneSorts(want, tf.without("Amount"))
	if len(kept) != 1 || kept[0].Field.ID != tf.id("Name") || !slices.Equal(stale, []string{tf.id("Amount")}) {
		t.Fatalf("pruned sorts = %v, stale %v", kept, stale)
	}
}
