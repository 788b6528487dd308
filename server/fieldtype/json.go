package fieldtype

import (
	"encoding/json"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// JSON is any JSON value, at most MaxEncodedBytes when encoded.
type JSON struct{}

var _ Type = JSON{}

func init() { register(JSON{}) }

// Kind is FIELD_TYPE_JSON.
func (JSON) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_JSON }

// Column is JSONB on PostgreSQL and TEXT on SQLite.
func (JSON) Column(e storage.Engine) string { return jsonColumn.on(e) }

// ReadOnly is false.
func (JSON) ReadOnly() bool { return false }

// CanBePrimary is false.
func (JSON) CanBePrimary() bool { return false }

// NormalizeOptions refuses options: the type has none.
func (t JSON) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	return noOptions(t.Kind(), o)
}

// Value takes any JSON value and stores it as compact JSON; null and ""
// are empty. Strings must not hold NUL characters. With typecast, text that
// is a JSON object or array ("{"a": 1}") is decoded; other text stays a
// string.
func (JSON) Value(_ *tablev1.FieldOptions, v *structpb.Value, typecast bool, _ Env) (any, error) {
	if IsEmpty(v) {
		return nil, nil
	}
	x := v.AsInterface()
	if s, ok := x.(string); ok {
		if s == "" {
			return nil, nil
		}
		if t := strings.TrimSpace(s); typecast && (strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")) {
			var decoded any
			if err := json.Unmarshal([]byte(t), &decoded); err == nil {
				x = decoded
			}
		}
	}
	return storeJSON(x)
}

// Cell returns the JSON value.
func (JSON) Cell(_ *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	return jsonCell("json", stored)
}

// Text returns a string value as it is and anything else as compact JSON.
func (JSON) Text(_ *tablev1.FieldOptions, stored any) string {
	x, err := storedJSON(stored)
	if err != nil || x == nil {
		return ""
	}
	if s, ok := x.(string); ok {
		return s
	}
	out, _ := encodeJSON(x)
	return out
}
