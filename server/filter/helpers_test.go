package filter_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/fieldtype"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/schema"
)

// newField makes a field of the type with normalised options, as the
// schema service stores it.
func newField(t testing.TB, name string, kind tablev1.FieldType, opts *tablev1.FieldOptions) *schema.Field {
	t.Helper()
	typ, ok := fieldtype.Get(kind)
	if !ok {
		t.Fatalf("no field type %s", kind)
	}
	norm, err := typ.NormalizeOptions(opts)
	if err != nil {
		t.Fatalf("options of %s: %v", name, err)
	}
	enc := "{}"
	if norm != nil {
		b, err := protojson.Marshal(norm)
		if err != nil {
			t.Fatal(err)
		}
		enc = string(b)
	}
	return &schema.Field{
		ID: ids.New(ids.Field), Name: name, NameKey: strings.ToLower(name), Type: kind.String(), Options: enc,
	}
}

func selectOptions(names ...string) *tablev1.FieldOptions {
	var choices []*tablev1.Choice
	for _, n := range names {
		choices = append(choices, &tablev1.Choice{Name: n})
	}
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Select{Select: &tablev1.SelectOptions{Choices: choices}}}
}

// choiceID returns the id of a select field's choice.
func choiceID(t testing.TB, f *schema.Field, name string) string {
	t.Helper()
	_, opts := f.TypeOptions()
	for _, c := range opts.GetSelect().GetChoices() {
		if c.GetName() == name {
			return c.GetId()
		}
	}
	t.Fatalf("field %s has no choice %q", f.Name, name)
	return ""
}

// Filter builders.

func cond(field string, op tablev1.Operator, v any) *tablev1.Filter {
	c := &tablev1.Condition{Field: field, Operator: op}
	switch x := v.(type) {
	case nil:
	case *tablev1.DateOperand:
		c.Operand = &tablev1.Condition_Date{Date: x}
	case *tablev1.DateRange:
		c.Operand = &tablev1.Condition_DateRange{DateRange: x}
	case *structpb.Value:
		c.Operand = &tablev1.Condition_Value{Value: x}
	default:
		val, err := structpb.NewValue(v)
		if err != nil {
			panic(err)
		}
		c.Operand = &tablev1.Condition_Value{Value: val}
	}
	return &tablev1.Filter{Node: &tablev1.Filter_Condition{Condition: c}}
}

// inZone sets the time zone of a condition filter.
func inZone(f *tablev1.Filter, zone string) *tablev1.Filter {
	f.GetCondition().TimeZone = zone
	return f
}

func and(fs ...*tablev1.Filter) *tablev1.Filter {
	return &tablev1.Filter{Node: &tablev1.Filter_And{And: &tablev1.FilterGroup{Filters: fs}}}
}

func or(fs ...*tablev1.Filter) *tablev1.Filter {
	return &tablev1.Filter{Node: &tablev1.Filter_Or{Or: &tablev1.FilterGroup{Filters: fs}}}
}

func not(f *tablev1.Filter) *tablev1.Filter {
	return &tablev1.Filter{Node: &tablev1.Filter_Not{Not: f}}
}

func day(rel tablev1.RelativeDate) *tablev1.DateOperand { return &tablev1.DateOperand{Relative: rel} }

func exact(date string) *tablev1.DateOperand {
	return &tablev1.DateOperand{Relative: tablev1.RelativeDate_RELATIVE_DATE_EXACT_DATE, ExactDate: date}
}

func daysFrom(rel tablev1.RelativeDate, n int32) *tablev1.DateOperand {
	return &tablev1.DateOperand{Relative: rel, Days: n}
}

func span(p tablev1.DatePeriod, n int32) *tablev1.DateRange {
	return &tablev1.DateRange{Period: p, Days: n}
}

// list is a list value of strings.
func list(items ...string) []any {
	out := make([]any, len(items))
	for i, s := range items {
		out[i] = s
	}
	return out
}
