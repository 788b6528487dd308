package fieldtype_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/fieldtype"
)

// Workspace members the test Env knows.
const (
	userAda   = "usrAdaAdaAdaAda12"
	userGrace = "usrGraceGrace1234"
)

// testNow is the Env's current time.
var testNow = time.Date(2026, 11, 21, 14, 30, 0, 0, time.UTC)

// env resolves the two members by id or email.
var env = fieldtype.Env{
	ResolveUser: func(s string) (string, bool) {
		switch strings.ToLower(s) {
		case strings.ToLower(userAda), "ada@example.com":
			return userAda, true
		case strings.ToLower(userGrace), "grace@example.com":
			return userGrace, true
		}
		return "", false
	},
	Now: func() time.Time { return testNow },
}

// Choice ids of the test select fields.
const (
	selRed   = "selRedRedRedRed12"
	selGreen = "selGreenGreen1234"
	selBlue  = "selBlueBlueBlue12"
)

// colorOptions are select options with three choices.
func colorOptions() *tablev1.FieldOptions {
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Select{Select: &tablev1.SelectOptions{Choices: []*tablev1.Choice{
		{Id: selRed, Name: "Red", Color: "redLight2"},
		{Id: selGreen, Name: "Green", Color: "greenLight2"},
		{Id: selBlue, Name: "Blue", Color: "blueLight2"},
	}}}}
}

// typeOf returns the registered type of a kind.
func typeOf(t *testing.T, kind tablev1.FieldType) fieldtype.Type {
	t.Helper()
	typ, ok := fieldtype.Get(kind)
	if !ok {
		t.Fatalf("%s is not registered", kind)
	}
	return typ
}

// normalized returns a type's normalised options.
func normalized(t *testing.T, kind tablev1.FieldType, o *tablev1.FieldOptions) *tablev1.FieldOptions {
	t.Helper()
	out, err := typeOf(t, kind).NormalizeOptions(o)
	if err != nil {
		t.Fatalf("%s options %v: %v", kind, o, err)
	}
	return out
}

// valueCase is one input cell and what the type makes of it.
type valueCase struct {
	name     string
	in       any  // the input, as structpb.NewValue takes it
	typecast bool // read leniently
	stored   any  // the stored value wanted (when err is "")
	cell     string
	err      string // a fragment of the error message wanted
}

// runValueCases checks Value for each case and, for accepted input, that
// Cell gives the JSON in cell (when set) and that the API value written
// back stores the same value.
func runValueCases(t *testing.T, kind tablev1.FieldType, o *tablev1.FieldOptions, cases []valueCase) {
	t.Helper()
	typ := typeOf(t, kind)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in, err := structpb.NewValue(c.in)
			if err != nil {
				t.Fatalf("bad test input %v: %v", c.in, err)
			}
			got, err := typ.Value(o, in, c.typecast, env)
			if c.err != "" {
				wantCellError(t, err, c.err)
				return
			}
			if err != nil {
				t.Fatalf("Value(%v) = error %v", c.in, err)
			}
			if !sameStored(got, c.stored) {
				t.Fatalf("Value(%v) stored %#v, want %#v", c.in, got, c.stored)
			}
			cell, err := typ.Cell(o, got)
			if err != nil {
				t.Fatalf("Cell(%#v): %v", got, err)
			}
			if c.cell != "" && jsonOf(cell) != c.cell {
				t.Fatalf("Cell(%#v) = %s, want %s", got, jsonOf(cell), c.cell)
			}
			again, err := typ.Value(o, cell, false, env)
			if err != nil {
				t.Fatalf("Value(Cell) of %s: %v", jsonOf(cell), err)
			}
			if !sameStored(again, got) {
				t.Fatalf("Value(Cell) stored %#v, want %#v", again, got)
			}
		})
	}
}

// wantCellError checks err is an InvalidArgument *apperr.Error whose
// message holds fragment.
func wantCellError(t *testing.T, err error, fragment string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one with %q", fragment)
	}
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.InvalidArgument {
		t.Fatalf("error %v (%T), want an InvalidArgument *apperr.Error", err, err)
	}
	if !strings.Contains(e.Message, fragment) {
		t.Fatalf("error %q, want it to hold %q", e.Message, fragment)
	}
}

// sameStored compares stored values; instants compare as instants.
func sameStored(a, b any) bool {
	ta, okA := a.(time.Time)
	tb, okB := b.(time.Time)
	if okA || okB {
		return okA && okB && ta.Equal(tb)
	}
	return reflect.DeepEqual(a, b)
}

// jsonOf is the JSON of an API value: "null" for nil.
func jsonOf(v *structpb.Value) string {
	if v == nil {
		return "null"
	}
	b, err := json.Marshal(v.AsInterface())
	if err != nil {
		return "!" + err.Error()
	}
	return string(b)
}

// value makes an input value or fails.
func value(t *testing.T, x any) *structpb.Value {
	t.Helper()
	v, err := structpb.NewValue(x)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
