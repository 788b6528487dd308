package fieldtype

import (
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Checkbox is true or false; an empty cell is false.
type Checkbox struct{}

var _ Type = Checkbox{}

func init() { register(Checkbox{}) }

// Kind is FIELD_TYPE_CHECKBOX.
func (Checkbox) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_CHECKBOX }

// Column is BOOLEAN on PostgreSQL and INTEGER (0 or 1) on SQLite.
func (Checkbox) Column(e storage.Engine) string { return boolColumn.on(e) }

// ReadOnly is false.
func (Checkbox) ReadOnly() bool { return false }

// CanBePrimary is false.
func (Checkbox) CanBePrimary() bool { return false }

// NormalizeOptions refuses options: the type has none.
func (t Checkbox) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	return noOptions(t.Kind(), o)
}

// checkboxWords are the texts typecast reads as checked or unchecked.
var checkboxWords = map[string]bool{
	"true": true, "yes": true, "y": true, "1": true, "checked": true, "x": true, "on": true, "✓": true, "✔": true,
	"false": false, "no": false, "n": false, "0": false, "unchecked": false, "off": false, "": false,
}

// Value takes true or false; an empty cell is false, never nil. With
// typecast, text such as "yes", "no", "checked", "x" or "0" is read
// (ignoring case), and a number is checked unless it is 0.
func (Checkbox) Value(_ *tablev1.FieldOptions, v *structpb.Value, typecast bool, _ Env) (any, error) {
	if IsEmpty(v) {
		return false, nil
	}
	switch k := v.Kind.(type) {
	case *structpb.Value_BoolValue:
		return k.BoolValue, nil
	case *structpb.Value_StringValue:
		if typecast {
			if b, ok := checkboxWords[strings.ToLower(strings.TrimSpace(k.StringValue))]; ok {
				return b, nil
			}
			if f, ok := parseNumberText(k.StringValue); ok {
				return f != 0, nil
			}
			return nil, cellError("checkbox.format", "%s is not a checkbox value: use true or false (or yes, no, checked, x)", quote(k.StringValue))
		}
	case *structpb.Value_NumberValue:
		if typecast {
			return k.NumberValue != 0, nil
		}
	}
	return nil, cellError("type", "must be true or false, not %s", Describe(v))
}

// Cell returns true or false; nil (a row written before the field existed)
// is false.
func (Checkbox) Cell(_ *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	if stored == nil {
		return structpb.NewBoolValue(false), nil
	}
	b, ok := storedBool(stored)
	if !ok {
		return nil, storedError("checkbox", stored)
	}
	return structpb.NewBoolValue(b), nil
}

// Text is "checked" or "".
func (Checkbox) Text(_ *tablev1.FieldOptions, stored any) string {
	if b, _ := storedBool(stored); b {
		return "checked"
	}
	return ""
}
