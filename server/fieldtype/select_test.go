package fieldtype_test

import (
	"testing"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

func TestSingleSelect(t *testing.T) {
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, colorOptions(), []valueCase{
		{name: "name", in: "Red", stored: selRed, cell: `"Red"`},
		{name: "name ignores case and spaces", in: " green ", stored: selGreen, cell: `"Green"`},
		{name: "id", in: selBlue, stored: selBlue, cell: `"Blue"`},
		{name: "empty", in: "", stored: nil},
		{name: "unknown", in: "Purple", err: `choice "Purple" is not one of the field's choices (Red, Green, Blue)`},
		{name: "unknown says how to add it", in: "Purple", err: "write with typecast to add it"},
		{name: "number", in: 1, err: "must be a choice name or id as text, not a number"},
		{name: "list", in: []any{"Red"}, err: "not a list"},
	})
	numbered := &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Select{Select: &tablev1.SelectOptions{Choices: []*tablev1.Choice{{Id: selRed, Name: "1"}}}}}
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, numbered, []valueCase{
		{name: "typecast number as name", in: 1, typecast: true, stored: selRed},
	})
	typ := typeOf(t, tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT)
	if v, err := typ.Cell(colorOptions(), "selGoneGoneGone12"); err != nil || v != nil {
		t.Errorf("Cell of a removed choice = %v, %v; want nil", v, err)
	}
}

func TestMultipleSelects(t *testing.T) {
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS, colorOptions(), []valueCase{
		{name: "names", in: []any{"Red", "blue"}, stored: `["` + selRed + `","` + selBlue + `"]`, cell: `["Red","Blue"]`},
		{name: "ids and names, repeats dropped", in: []any{selGreen, "Green", "Red"}, stored: `["` + selGreen + `","` + selRed + `"]`, cell: `["Green","Red"]`},
		{name: "empty list", in: []any{}, stored: nil, cell: "null"},
		{name: "blank names skipped", in: []any{"", " "}, stored: nil},
		{name: "unknown", in: []any{"Red", "Purple"}, err: `choice "Purple" is not one of the field's choices (Red, Green, Blue)`},
		{name: "text needs typecast", in: "Red, Green", err: "must be a list of choice names or ids, not text"},
		{name: "number in list", in: []any{1.0}, err: "but it holds a number"},
		{name: "typecast splits text", in: "Red, Green", typecast: true, stored: `["` + selRed + `","` + selGreen + `"]`},
		{name: "typecast unknown", in: "Red, Purple", typecast: true, err: `choice "Purple" is not one of the field's choices`},
	})
	comma := &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Select{Select: &tablev1.SelectOptions{Choices: []*tablev1.Choice{{Id: selRed, Name: "Red, dark"}}}}}
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS, comma, []valueCase{
		{name: "typecast keeps a name with a comma", in: "Red, dark", typecast: true, stored: `["` + selRed + `"]`},
	})
	typ := typeOf(t, tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS)
	v, err := typ.Cell(colorOptions(), `["selGoneGoneGone12","`+selRed+`"]`)
	if err != nil || jsonOf(v) != `["Red"]` {
		t.Errorf("Cell with a removed choice = %s, %v; want [\"Red\"]", jsonOf(v), err)
	}
	if got := typ.Text(colorOptions(), `["`+selRed+`","`+selBlue+`"]`); got != "Red, Blue" {
		t.Errorf("Text = %q", got)
	}
}
