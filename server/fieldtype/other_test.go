package fieldtype_test

import (
	"strings"
	"testing"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/fieldtype"
)

func TestCheckbox(t *testing.T) {
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_CHECKBOX, nil, []valueCase{
		{name: "true", in: true, stored: true, cell: "true"},
		{name: "false", in: false, stored: false, cell: "false"},
		{name: "null is false", in: nil, stored: false, cell: "false"},
		{name: "text", in: "yes", err: "must be true or false, not text"},
		{name: "number", in: 1, err: "must be true or false, not a number"},
		{name: "typecast yes", in: " YES ", typecast: true, stored: true},
		{name: "typecast checked", in: "checked", typecast: true, stored: true},
		{name: "typecast x", in: "x", typecast: true, stored: true},
		{name: "typecast no", in: "No", typecast: true, stored: false},
		{name: "typecast empty", in: "", typecast: true, stored: false},
		{name: "typecast number text", in: "2", typecast: true, stored: true},
		{name: "typecast zero", in: 0, typecast: true, stored: false},
		{name: "typecast word", in: "maybe", typecast: true, err: `"maybe" is not a checkbox value`},
	})
}

func TestCollaborator(t *testing.T) {
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_COLLABORATOR, nil, []valueCase{
		{name: "id", in: userAda, stored: userAda, cell: `{"id":"` + userAda + `"}`},
		{name: "email", in: "Grace@Example.com", stored: userGrace},
		{name: "object id", in: map[string]any{"id": userGrace}, stored: userGrace},
		{name: "object email", in: map[string]any{"email": "ada@example.com", "name": "Ada"}, stored: userAda},
		{name: "empty", in: "", stored: nil},
		{name: "stranger", in: "eve@example.com", err: `"eve@example.com" is not a member of this workspace`},
		{name: "unknown key", in: map[string]any{"login": "ada"}, err: `unknown key "login"`},
		{name: "object without id", in: map[string]any{"name": "Ada"}, err: `needs an "id" or an "email"`},
		{name: "number", in: 3, err: "must be a user id or email, not a number"},
	})
	_, err := typeOf(t, tablev1.FieldType_FIELD_TYPE_COLLABORATOR).Value(nil, value(t, userAda), false, fieldtype.Env{})
	wantCellError(t, err, "is not a member")
}

func TestJSON(t *testing.T) {
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_JSON, nil, []valueCase{
		{name: "object", in: map[string]any{"b": []any{1.0, "x"}, "a": nil}, stored: `{"a":null,"b":[1,"x"]}`, cell: `{"a":null,"b":[1,"x"]}`},
		{name: "number", in: 2.5, stored: `2.5`, cell: "2.5"},
		{name: "string", in: "hi <b>", stored: `"hi <b>"`},
		{name: "string looking like JSON stays a string", in: `{"a":1}`, stored: `"{\"a\":1}"`},
		{name: "false", in: false, stored: `false`},
		{name: "empty list kept", in: []any{}, stored: `[]`},
		{name: "null", in: nil, stored: nil},
		{name: "empty string", in: "", stored: nil},
		{name: "NUL", in: map[string]any{"a": "x\x00"}, err: "must not contain NUL characters"},
		{name: "too big", in: strings.Repeat("a", 100_000), err: "must be at most 100000 bytes as JSON, not 100002"},
		{name: "typecast decodes objects", in: ` {"a": [1, 2]} `, typecast: true, stored: `{"a":[1,2]}`},
		{name: "typecast keeps bad JSON as text", in: `{"a":`, typecast: true, stored: `"{\"a\":"`},
	})
}

func TestBarcode(t *testing.T) {
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_BARCODE, nil, []valueCase{
		{name: "text and type", in: map[string]any{"text": "4006381333931", "type": "ean13"}, stored: `{"text":"4006381333931","type":"ean13"}`, cell: `{"text":"4006381333931","type":"ean13"}`},
		{name: "text only", in: map[string]any{"text": "ABC-1"}, stored: `{"text":"ABC-1"}`, cell: `{"text":"ABC-1"}`},
		{name: "empty text", in: map[string]any{"text": ""}, stored: nil},
		{name: "unknown key", in: map[string]any{"text": "a", "format": "x"}, err: `unknown key "format"`},
		{name: "text not a string", in: map[string]any{"text": 5.0}, err: `the barcode's "text" must be text, not a number`},
		{name: "plain text", in: "ABC", err: "must be an object"},
		{name: "typecast text", in: "ABC", typecast: true, stored: `{"text":"ABC"}`},
		{name: "typecast number", in: 12345, typecast: true, stored: `{"text":"12345"}`},
	})
}

func TestAttachment(t *testing.T) {
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_ATTACHMENT, nil, []valueCase{
		{
			name:   "full",
			in:     []any{map[string]any{"url": "https://example.com/a.pdf", "filename": "Report.pdf", "size": 1024.0, "type": "application/pdf"}},
			stored: `[{"url":"https://example.com/a.pdf","filename":"Report.pdf","size":1024,"type":"application/pdf"}]`,
			cell:   `[{"filename":"Report.pdf","size":1024,"type":"application/pdf","url":"https://example.com/a.pdf"}]`,
		},
		{
			name:   "filename from URL",
			in:     []any{map[string]any{"url": "https://example.com/files/My%20Photo.jpg?x=1"}, map[string]any{"url": "https://example.com/"}},
			stored: `[{"url":"https://example.com/files/My%20Photo.jpg?x=1","filename":"My Photo.jpg"},{"url":"https://example.com/","filename":"example.com"}]`,
		},
		{name: "empty list", in: []any{}, stored: nil},
		{name: "no url", in: []any{map[string]any{"filename": "a"}}, err: `file 1: needs a "url"`},
		{name: "bad url", in: []any{map[string]any{"url": "https://example.com/a"}, map[string]any{"url": "file:///etc/passwd"}}, err: "file 2: \"file:///etc/passwd\" is not a URL"},
		{name: "unknown key", in: []any{map[string]any{"url": "https://e.com/a", "id": "att1"}}, err: `unknown key "id"`},
		{name: "bad size", in: []any{map[string]any{"url": "https://e.com/a", "size": -1.0}}, err: `"size" must be a whole number of bytes`},
		{name: "bad type", in: []any{map[string]any{"url": "https://e.com/a", "type": "not a type"}}, err: "is not a MIME type"},
		{name: "item not an object", in: []any{"https://e.com/a"}, err: "file 1: must be an object"},
		{name: "object needs a list", in: map[string]any{"url": "https://e.com/a"}, err: "must be a list of files, not an object"},
		{name: "text needs typecast", in: "https://e.com/a", err: "set typecast to read URLs"},
		{
			name:     "typecast text",
			in:       "Report.pdf (https://e.com/r.pdf), https://e.com/b.png",
			typecast: true,
			stored:   `[{"url":"https://e.com/r.pdf","filename":"Report.pdf"},{"url":"https://e.com/b.png","filename":"b.png"}]`,
		},
		{name: "typecast object", in: map[string]any{"url": "https://e.com/a"}, typecast: true, stored: `[{"url":"https://e.com/a","filename":"a"}]`},
	})
	typ := typeOf(t, tablev1.FieldType_FIELD_TYPE_ATTACHMENT)
	got := typ.Text(nil, `[{"url":"https://e.com/r.pdf","filename":"Report.pdf"},{"url":"https://e.com/b.png","filename":"b.png"}]`)
	if want := "Report.pdf (https://e.com/r.pdf), b.png (https://e.com/b.png)"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}

func TestComputedTypesRefuseInput(t *testing.T) {
	for _, typ := range fieldtype.All() {
		if !typ.ReadOnly() {
			continue
		}
		for _, in := range []any{nil, "x", 1.0} {
			_, err := typ.Value(nil, value(t, in), true, env)
			e, ok := apperr.As(err)
			if !ok || e.Reason != fieldtype.ReasonReadOnly || !strings.Contains(e.Message, "read-only") {
				t.Errorf("%s Value(%v) = %v, want a read-only error", typ.Kind(), in, err)
			}
		}
	}
}
