package fieldtype

import (
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// textInput reads an input cell as text: a string, or with typecast any value
// (see castText). NUL characters, which PostgreSQL cannot store, are refused,
// or dropped with typecast.
func textInput(v *structpb.Value, typecast bool) (string, error) {
	s, isText := v.Kind.(*structpb.Value_StringValue)
	if !isText && !typecast {
		return "", cellError("type", "must be text, not %s", Describe(v))
	}
	text := castText(v)
	if isText {
		text = s.StringValue
	}
	if strings.ContainsRune(text, 0) {
		if !typecast {
			return "", cellError("string.nul", "must not contain NUL characters")
		}
		text = strings.ReplaceAll(text, "\x00", "")
	}
	return text, nil
}

// checkLength refuses text longer than most characters.
func checkLength(s string, most int) error {
	if n := utf8.RuneCountInString(s); n > most {
		return cellError("string.max_len", "must be at most %d characters, not %d", most, n)
	}
	return nil
}

// textCell is Cell for the types stored as plain text.
func textCell(kind string, stored any) (*structpb.Value, error) {
	if stored == nil {
		return nil, nil
	}
	s, ok := storedString(stored)
	if !ok {
		return nil, storedError(kind, stored)
	}
	if s == "" {
		return nil, nil
	}
	return structpb.NewStringValue(s), nil
}

// textText is Text for the types stored as plain text.
func textText(stored any) string {
	s, _ := storedString(stored)
	return s
}

// SingleLineText is one line of text.
type SingleLineText struct{}

var _ Type = SingleLineText{}

func init() { register(SingleLineText{}) }

// Kind is FIELD_TYPE_SINGLE_LINE_TEXT.
func (SingleLineText) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT }

// Column is TEXT.
func (SingleLineText) Column(e storage.Engine) string { return textColumn.on(e) }

// ReadOnly is false.
func (SingleLineText) ReadOnly() bool { return false }

// CanBePrimary is true.
func (SingleLineText) CanBePrimary() bool { return true }

// NormalizeOptions refuses options: the type has none.
func (t SingleLineText) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	return noOptions(t.Kind(), o)
}

// Value takes text without line breaks, at most MaxTextLength characters;
// "" is empty. With typecast, line breaks become spaces and other values are
// rendered as text.
func (SingleLineText) Value(_ *tablev1.FieldOptions, v *structpb.Value, typecast bool, _ Env) (any, error) {
	if IsEmpty(v) {
		return nil, nil
	}
	s, err := textInput(v, typecast)
	if err != nil {
		return nil, err
	}
	if strings.ContainsAny(s, "\r\n") {
		if !typecast {
			return nil, cellError("string.single_line", "must be one line: line breaks are not allowed (a long text field takes them)")
		}
		s = lineBreaksToSpaces.Replace(s)
	}
	if err := checkLength(s, MaxTextLength); err != nil {
		return nil, err
	}
	if s == "" {
		return nil, nil
	}
	return s, nil
}

// Cell returns the text.
func (SingleLineText) Cell(_ *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	return textCell("text", stored)
}

// Text returns the text.
func (SingleLineText) Text(_ *tablev1.FieldOptions, stored any) string { return textText(stored) }

// LongText is text with line breaks.
type LongText struct{}

var _ Type = LongText{}

func init() { register(LongText{}) }

// Kind is FIELD_TYPE_LONG_TEXT.
func (LongText) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_LONG_TEXT }

// Column is TEXT.
func (LongText) Column(e storage.Engine) string { return textColumn.on(e) }

// ReadOnly is false.
func (LongText) ReadOnly() bool { return false }

// CanBePrimary is true.
func (LongText) CanBePrimary() bool { return true }

// NormalizeOptions refuses options: the type has none.
func (t LongText) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	return noOptions(t.Kind(), o)
}

// Value takes text of at most MaxTextLength characters; line breaks are
// stored as "\n". "" is empty. With typecast, other values are rendered as
// text.
func (LongText) Value(_ *tablev1.FieldOptions, v *structpb.Value, typecast bool, _ Env) (any, error) {
	if IsEmpty(v) {
		return nil, nil
	}
	s, err := textInput(v, typecast)
	if err != nil {
		return nil, err
	}
	if strings.IndexByte(s, '\r') >= 0 {
		s = lineBreaksToLF.Replace(s)
	}
	if err := checkLength(s, MaxTextLength); err != nil {
		return nil, err
	}
	if s == "" {
		return nil, nil
	}
	return s, nil
}

// Cell returns the text.
func (LongText) Cell(_ *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	return textCell("text", stored)
}

// Text returns the text.
func (LongText) Text(_ *tablev1.FieldOptions, stored any) string { return textText(stored) }

// trimmedInput reads a text-like input value without surrounding spaces;
// empty reports an empty cell.
func trimmedInput(v *structpb.Value, typecast bool) (s string, empty bool, err error) {
	if IsEmpty(v) {
		return "", true, nil
	}
	s, err = textInput(v, typecast)
	if err != nil {
		return "", false, err
	}
	s = strings.TrimSpace(s)
	return s, s == "", nil
}

// The replacers are built once: building one costs more than using it.
var (
	lineBreaksToSpaces = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ")
	lineBreaksToLF     = strings.NewReplacer("\r\n", "\n", "\r", "\n")
)
