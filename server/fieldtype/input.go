package fieldtype

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/structpb"
)

// IsEmpty reports whether an input value is empty: nil, unset or null.
func IsEmpty(v *structpb.Value) bool {
	if v == nil || v.Kind == nil {
		return true
	}
	_, null := v.Kind.(*structpb.Value_NullValue)
	return null
}

// Describe names the kind of an input value for messages ("text", "a
// number", …).
func Describe(v *structpb.Value) string {
	switch v.Kind.(type) {
	case *structpb.Value_StringValue:
		return "text"
	case *structpb.Value_NumberValue:
		return "a number"
	case *structpb.Value_BoolValue:
		return "true or false"
	case *structpb.Value_ListValue:
		return "a list"
	case *structpb.Value_StructValue:
		return "an object"
	default:
		return "empty"
	}
}

// castText renders an input value as text for typecast: text as it is,
// numbers in their shortest form, booleans as "true" or "false", lists of
// scalars joined with ", ", and anything else as compact JSON.
func castText(v *structpb.Value) string {
	switch k := v.Kind.(type) {
	case *structpb.Value_StringValue:
		return k.StringValue
	case *structpb.Value_NumberValue:
		return formatShortest(k.NumberValue)
	case *structpb.Value_BoolValue:
		return strconv.FormatBool(k.BoolValue)
	case *structpb.Value_ListValue:
		parts := make([]string, 0, len(k.ListValue.GetValues()))
		for _, item := range k.ListValue.GetValues() {
			switch item.Kind.(type) {
			case *structpb.Value_ListValue, *structpb.Value_StructValue:
				return compactJSON(v)
			}
			if !IsEmpty(item) {
				parts = append(parts, castText(item))
			}
		}
		return strings.Join(parts, ", ")
	case *structpb.Value_StructValue:
		return compactJSON(v)
	default:
		return ""
	}
}

// compactJSON encodes an input value as compact JSON with sorted keys and
// without HTML escaping, as JSON cells are stored.
func compactJSON(v *structpb.Value) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v.AsInterface()); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// formatShortest formats a number with as few digits as identify it, never
// in exponent form.
func formatShortest(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// quote quotes input for a message, shortened to 60 characters.
func quote(s string) string {
	const most = 60
	if utf8.RuneCountInString(s) > most {
		r := []rune(s)
		s = string(r[:most]) + "…"
	}
	return strconv.Quote(s)
}
