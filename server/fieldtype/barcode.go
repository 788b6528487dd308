package fieldtype

import (
	"encoding/json"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Barcode is a barcode's text and, optionally, its symbology, stored as
// JSON {"text": …, "type": …}.
type Barcode struct{}

var _ Type = Barcode{}

func init() { register(Barcode{}) }

// barcodeValue is the stored form of a barcode.
type barcodeValue struct {
	Text string `json:"text"`
	Type string `json:"type,omitempty"`
}

// Kind is FIELD_TYPE_BARCODE.
func (Barcode) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_BARCODE }

// Column is JSONB on PostgreSQL and TEXT on SQLite.
func (Barcode) Column(e storage.Engine) string { return jsonColumn.on(e) }

// ReadOnly is false.
func (Barcode) ReadOnly() bool { return false }

// CanBePrimary is true.
func (Barcode) CanBePrimary() bool { return true }

// NormalizeOptions refuses options: the type has none.
func (t Barcode) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	return noOptions(t.Kind(), o)
}

// Value takes an object {"text": …} with an optional "type" (the
// symbology, such as "ean13"); an empty text is an empty cell. With
// typecast, text or a number is the barcode's text.
func (Barcode) Value(_ *tablev1.FieldOptions, v *structpb.Value, typecast bool, _ Env) (any, error) {
	if IsEmpty(v) {
		return nil, nil
	}
	var b barcodeValue
	switch k := v.Kind.(type) {
	case *structpb.Value_StructValue:
		for name, f := range k.StructValue.GetFields() {
			s, isText := f.Kind.(*structpb.Value_StringValue)
			switch {
			case name != "text" && name != "type":
				return nil, cellError("barcode.keys", "unknown key %s: a barcode is {\"text\": …, \"type\": …}", quote(name))
			case isText && name == "text":
				b.Text = s.StringValue
			case isText:
				b.Type = strings.TrimSpace(s.StringValue)
			case !IsEmpty(f):
				return nil, cellError("barcode.type", "the barcode's %s must be text, not %s", quote(name), Describe(f))
			}
		}
	default:
		if !typecast {
			return nil, cellError("type", "must be an object {\"text\": …, \"type\": …}, not %s (set typecast to read text)", Describe(v))
		}
		text, err := textInput(v, true)
		if err != nil {
			return nil, err
		}
		b.Text = text
	}
	if b.Text == "" {
		return nil, nil
	}
	if err := checkLength(b.Text, MaxTextLength); err != nil {
		return nil, err
	}
	for _, s := range []string{b.Text, b.Type} {
		if err := checkJSONValue(s); err != nil {
			return nil, err
		}
	}
	return storeJSON(b)
}

// storedBarcode reads a stored barcode.
func storedBarcode(stored any) (barcodeValue, bool) {
	var b barcodeValue
	s, ok := storedString(stored)
	if !ok || json.Unmarshal([]byte(s), &b) != nil {
		return b, false
	}
	return b, true
}

// Cell returns {"text": …} with "type" when it is set.
func (Barcode) Cell(_ *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	return jsonCell("barcode", stored)
}

// Text returns the barcode's text.
func (Barcode) Text(_ *tablev1.FieldOptions, stored any) string {
	b, _ := storedBarcode(stored)
	return b.Text
}
