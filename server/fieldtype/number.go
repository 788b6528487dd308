package fieldtype

import (
	"github.com/pyairtable/pyairtable/server/apperr"
	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Number is a decimal number rounded to the field's precision.
type Number struct{}

var _ Type = Number{}

func init() { register(Number{}) }

// Kind is FIELD_TYPE_NUMBER.
func (Number) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_NUMBER }

// Column is a double.
func (Number) Column(e storage.Engine) string { return floatColumn.on(e) }

// ReadOnly is false.
func (Number) ReadOnly() bool { return false }

// CanBePrimary is true.
func (Number) CanBePrimary() bool { return true }

// NormalizeOptions checks the precision (0 to MaxPrecision, default 0).
func (t Number) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	var vs apperr.Violations
	checkOptionsKind(t.Kind(), o, "number", &vs)
	p := o.GetNumber().GetPrecision()
	checkPrecision("options.number.precision", p, &vs)
	if err := vs.Err(ReasonInvalidOptions); err != nil {
		return nil, err
	}
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Number{Number: &tablev1.NumberOptions{Precision: p}}}, nil
}

// Value takes a finite number and rounds it to the precision. With typecast,
// text such as "1,234.5" is read too.
func (Number) Value(o *tablev1.FieldOptions, v *structpb.Value, typecast bool, _ Env) (any, error) {
	if IsEmpty(v) {
		return nil, nil
	}
	f, err := numberInput(v, typecast)
	if err != nil {
		return nil, err
	}
	return round(f, int(o.GetNumber().GetPrecision())), nil
}

// Cell returns the number, rounded to the precision.
func (Number) Cell(o *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	return floatCell("number", stored, int(o.GetNumber().GetPrecision()))
}

// Text formats the number with the precision's digits, such as "1234.50".
func (Number) Text(o *tablev1.FieldOptions, stored any) string {
	f, ok := storedFloat(stored)
	if !ok {
		return ""
	}
	return formatFixed(f, int(o.GetNumber().GetPrecision()))
}

// floatCell is Cell for the types stored as a double, rounded to digits.
func floatCell(kind string, stored any, digits int) (*structpb.Value, error) {
	if stored == nil {
		return nil, nil
	}
	f, ok := storedFloat(stored)
	if !ok {
		return nil, storedError(kind, stored)
	}
	return structpb.NewNumberValue(round(f, digits)), nil
}
