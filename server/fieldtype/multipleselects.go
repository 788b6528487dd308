package fieldtype

import (
	"encoding/json"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// MultipleSelects is several of the field's choices without repeats, stored
// as a JSON array of choice ids.
type MultipleSelects struct{}

var _ Type = MultipleSelects{}

func init() { register(MultipleSelects{}) }

// Kind is FIELD_TYPE_MULTIPLE_SELECTS.
func (MultipleSelects) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS }

// Column is JSONB on PostgreSQL and TEXT on SQLite.
func (MultipleSelects) Column(e storage.Engine) string { return jsonColumn.on(e) }

// ReadOnly is false.
func (MultipleSelects) ReadOnly() bool { return false }

// CanBePrimary is false.
func (MultipleSelects) CanBePrimary() bool { return false }

// NormalizeOptions checks the choices: see normalizeSelect.
func (t MultipleSelects) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	return normalizeSelect(t.Kind(), o)
}

// Value takes a list of choice ids or names (names ignore case) and stores
// their ids in the order given, dropping repeats; an empty list is empty.
// An unknown choice is refused, with typecast too. With typecast, text is
// split at commas ("Red, Green") unless it names one choice, and other values are taken as names.
func (MultipleSelects) Value(o *tablev1.FieldOptions, v *structpb.Value, typecast bool, _ Env) (any, error) {
	if IsEmpty(v) {
		return nil, nil
	}
	var names []string
	switch k := v.Kind.(type) {
	case *structpb.Value_ListValue:
		for _, item := range k.ListValue.GetValues() {
			s, isText := item.Kind.(*structpb.Value_StringValue)
			switch {
			case isText:
				names = append(names, s.StringValue)
			case typecast && !IsEmpty(item):
				names = append(names, castText(item))
			default:
				return nil, cellError("type", "must be a list of choice names or ids, but it holds %s", Describe(item))
			}
		}
	default:
		if !typecast {
			return nil, cellError("type", "must be a list of choice names or ids, not %s (set typecast to read text such as \"Red, Green\")", Describe(v))
		}
		text := castText(v)
		if _, err := findChoice(o, text, true); err == nil {
			names = []string{text}
		} else {
			names = strings.Split(text, ",")
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, name := range names {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		c, err := findChoice(o, name, typecast)
		if err != nil {
			return nil, err
		}
		if !seen[c.GetId()] {
			seen[c.GetId()] = true
			out = append(out, c.GetId())
		}
	}
	return encodeIDs(out), nil
}

// encodeIDs stores choice ids as a JSON array; none is nil.
func encodeIDs(idList []string) any {
	if len(idList) == 0 {
		return nil
	}
	b, _ := json.Marshal(idList)
	return string(b)
}

// storedIDs reads the stored JSON array of choice ids.
func storedIDs(stored any) ([]string, bool) {
	s, ok := storedString(stored)
	if !ok {
		return nil, false
	}
	if out, ok := plainStringArray(s); ok {
		return out, true
	}
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, false
	}
	return out, true
}

// plainStringArray reads a JSON array of strings without escapes, such
// as the stored ["selA","selB"], without encoding/json (a list page reads
// thousands). ok is false for anything else, which the caller hands to
// encoding/json.
func plainStringArray(s string) (out []string, ok bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' || strings.IndexByte(s, '\\') >= 0 {
		return nil, false
	}
	body := strings.TrimSpace(s[1 : len(s)-1])
	if body == "" {
		return []string{}, true
	}
	out = make([]string, 0, strings.Count(body, ",")+1)
	for part := range strings.SplitSeq(body, ",") {
		part = strings.TrimSpace(part)
		if len(part) < 2 || part[0] != '"' || part[len(part)-1] != '"' || strings.IndexByte(part[1:len(part)-1], '"') >= 0 {
			return nil, false
		}
		out = append(out, part[1:len(part)-1])
	}
	return out, true
}

// choiceNames returns the names of the stored choices the field still has.
func choiceNames(o *tablev1.FieldOptions, stored any) ([]string, bool) {
	idList, ok := storedIDs(stored)
	if !ok {
		return nil, false
	}
	var names []string
	for _, id := range idList {
		if c, ok := choiceByID(o, id); ok {
			names = append(names, c.GetName())
		}
	}
	return names, true
}

// Cell returns the list of choice names; ids of choices the field no
// longer has are left out, and nil is returned when none is left.
func (MultipleSelects) Cell(o *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	if stored == nil {
		return nil, nil
	}
	names, ok := choiceNames(o, stored)
	if !ok {
		return nil, storedError("multiple selects", stored)
	}
	if len(names) == 0 {
		return nil, nil
	}
	items := make([]*structpb.Value, len(names))
	for i, n := range names {
		items[i] = structpb.NewStringValue(n)
	}
	return structpb.NewListValue(&structpb.ListValue{Values: items}), nil
}

// Text joins the choice names with ", ".
func (MultipleSelects) Text(o *tablev1.FieldOptions, stored any) string {
	names, _ := choiceNames(o, stored)
	return strings.Join(names, ", ")
}
