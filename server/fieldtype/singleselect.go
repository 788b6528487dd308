package fieldtype

import (
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// SingleSelect is one of the field's choices, stored as the choice id.
type SingleSelect struct{}

var _ Type = SingleSelect{}

func init() { register(SingleSelect{}) }

// Kind is FIELD_TYPE_SINGLE_SELECT.
func (SingleSelect) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT }

// Column is TEXT: the choice id.
func (SingleSelect) Column(e storage.Engine) string { return textColumn.on(e) }

// ReadOnly is false.
func (SingleSelect) ReadOnly() bool { return false }

// CanBePrimary is true.
func (SingleSelect) CanBePrimary() bool { return true }

// NormalizeOptions checks the choices: see normalizeSelect.
func (t SingleSelect) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	return normalizeSelect(t.Kind(), o)
}

// Value takes a choice's id or name (names ignore case) and stores the id;
// "" is empty. An unknown choice is refused, with typecast too. With
// typecast a number or true/false is taken as a name.
func (SingleSelect) Value(o *tablev1.FieldOptions, v *structpb.Value, typecast bool, _ Env) (any, error) {
	if IsEmpty(v) {
		return nil, nil
	}
	s, isText := v.Kind.(*structpb.Value_StringValue)
	if !isText && !typecast {
		return nil, cellError("type", "must be a choice name or id as text, not %s", Describe(v))
	}
	name := castText(v)
	if isText {
		name = s.StringValue
	}
	if strings.TrimSpace(name) == "" {
		return nil, nil
	}
	c, err := findChoice(o, name, typecast)
	if err != nil {
		return nil, err
	}
	return c.GetId(), nil
}

// Cell returns the choice's name; the id of a choice the field no longer
// has gives nil.
func (SingleSelect) Cell(o *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	if stored == nil {
		return nil, nil
	}
	id, ok := storedString(stored)
	if !ok {
		return nil, storedError("single select", stored)
	}
	c, ok := choiceByID(o, id)
	if !ok {
		return nil, nil
	}
	return structpb.NewStringValue(c.GetName()), nil
}

// Text returns the choice's name.
func (SingleSelect) Text(o *tablev1.FieldOptions, stored any) string {
	id, _ := storedString(stored)
	if c, ok := choiceByID(o, id); ok {
		return c.GetName()
	}
	return ""
}
