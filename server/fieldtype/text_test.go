package fieldtype_test

import (
	"strings"
	"testing"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

func TestSingleLineText(t *testing.T) {
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT, nil, []valueCase{
		{name: "text", in: "Hello, world", stored: "Hello, world", cell: `"Hello, world"`},
		{name: "spaces kept", in: "  padded ", stored: "  padded "},
		{name: "unicode", in: "Ünïcödé ✓", stored: "Ünïcödé ✓"},
		{name: "null is empty", in: nil, stored: nil, cell: "null"},
		{name: "empty text is empty", in: "", stored: nil},
		{name: "at the limit", in: strings.Repeat("é", 100_000), stored: strings.Repeat("é", 100_000)},
		{name: "over the limit", in: strings.Repeat("a", 100_001), err: "must be at most 100000 characters, not 100001"},
		{name: "line break", in: "one\ntwo", err: "line breaks are not allowed"},
		{name: "NUL", in: "a\x00b", err: "must not contain NUL characters"},
		{name: "number", in: 12, err: "must be text, not a number"},
		{name: "list", in: []any{"a"}, err: "must be text, not a list"},
		{name: "typecast line breaks", in: "one\r\ntwo\nthree", typecast: true, stored: "one two three"},
		{name: "typecast number", in: 1234.5, typecast: true, stored: "1234.5"},
		{name: "typecast bool", in: true, typecast: true, stored: "true"},
		{name: "typecast list", in: []any{"a", 2.0, "b"}, typecast: true, stored: "a, 2, b"},
		{name: "typecast object", in: map[string]any{"b": 1.0, "a": "<x>"}, typecast: true, stored: `{"a":"<x>","b":1}`},
		{name: "typecast NUL dropped", in: "a\x00b", typecast: true, stored: "ab"},
	})
}

func TestLongText(t *testing.T) {
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_LONG_TEXT, nil, []valueCase{
		{name: "lines", in: "one\ntwo", stored: "one\ntwo", cell: `"one\ntwo"`},
		{name: "CRLF becomes LF", in: "one\r\ntwo\rthree", stored: "one\ntwo\nthree"},
		{name: "empty", in: "", stored: nil},
		{name: "over the limit", in: strings.Repeat("a", 100_001), err: "must be at most 100000 characters"},
		{name: "bool", in: false, err: "must be text, not true or false"},
		{name: "typecast number", in: 3.0, typecast: true, stored: "3"},
	})
}

func TestEmail(t *testing.T) {
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_EMAIL, nil, []valueCase{
		{name: "address", in: "ada@example.com", stored: "ada@example.com", cell: `"ada@example.com"`},
		{name: "lower case", in: " Ada.Lovelace@Example.COM ", stored: "ada.lovelace@example.com"},
		{name: "empty", in: "  ", stored: nil},
		{name: "no at", in: "ada.example.com", err: `"ada.example.com" is not an email address`},
		{name: "named needs typecast", in: "Ada <ada@example.com>", err: "is not an email address"},
		{name: "two addresses", in: "a@example.com, b@example.com", typecast: true, err: "is not an email address"},
		{name: "too long", in: strings.Repeat("a", 250) + "@example.com", err: "must be at most 254 characters"},
		{name: "number", in: 5, err: "must be text"},
		{name: "typecast named", in: "Ada <ADA@example.com>", typecast: true, stored: "ada@example.com"},
	})
}

func TestURL(t *testing.T) {
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_URL, nil, []valueCase{
		{name: "https", in: "https://example.com/a?b=c#d", stored: "https://example.com/a?b=c#d", cell: `"https://example.com/a?b=c#d"`},
		{name: "http trimmed", in: " http://example.com ", stored: "http://example.com"},
		{name: "empty", in: "", stored: nil},
		{name: "no scheme", in: "example.com", err: "it must start with http:// or https://"},
		{name: "other scheme", in: "ftp://example.com", err: "must start with http:// or https://"},
		{name: "no host", in: "https://", err: "it has no host"},
		{name: "spaces", in: "https://example.com/a b", err: "is not a URL"},
		{name: "typecast adds https", in: "example.com/page", typecast: true, stored: "https://example.com/page"},
		{name: "typecast leaves emails", in: "ada@example.com", typecast: true, err: "must start with http://"},
		{name: "typecast plain word", in: "hello", typecast: true, err: "is not a URL"},
	})
}

func TestPhoneNumber(t *testing.T) {
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_PHONE_NUMBER, nil, []valueCase{
		{name: "formatted", in: "+1 (555) 010-9999", stored: "+1 (555) 010-9999", cell: `"+1 (555) 010-9999"`},
		{name: "dots trimmed", in: " 01.23.45.67.89 ", stored: "01.23.45.67.89"},
		{name: "empty", in: "", stored: nil},
		{name: "letters", in: "555-CALL", err: "only digits, spaces and + - ( ) . are allowed"},
		{name: "no digits", in: "+-()", err: "it has no digits"},
		{name: "number needs typecast", in: 5550100, err: "must be text"},
		{name: "typecast number", in: 5550100, typecast: true, stored: "5550100"},
	})
}
