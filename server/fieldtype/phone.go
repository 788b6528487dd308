package fieldtype

import (
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// PhoneNumber is a phone number: digits, spaces and + - ( ) . characters.
type PhoneNumber struct{}

var _ Type = PhoneNumber{}

func init() { register(PhoneNumber{}) }

// Kind is FIELD_TYPE_PHONE_NUMBER.
func (PhoneNumber) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_PHONE_NUMBER }

// Column is TEXT.
func (PhoneNumber) Column(e storage.Engine) string { return textColumn.on(e) }

// ReadOnly is false.
func (PhoneNumber) ReadOnly() bool { return false }

// CanBePrimary is true.
func (PhoneNumber) CanBePrimary() bool { return true }

// NormalizeOptions refuses options: the type has none.
func (t PhoneNumber) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	return noOptions(t.Kind(), o)
}

// Value takes text of digits, spaces and + - ( ) . characters with at least
// one digit, stored as written without surrounding spaces. With typecast, a
// number is taken as its digits.
func (PhoneNumber) Value(_ *tablev1.FieldOptions, v *structpb.Value, typecast bool, _ Env) (any, error) {
	s, empty, err := trimmedInput(v, typecast)
	if err != nil || empty {
		return nil, err
	}
	digit := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digit = true
		case strings.ContainsRune(" +-().", r):
		default:
			return nil, cellError("phone.format", "%s is not a phone number: only digits, spaces and + - ( ) . are allowed", quote(s))
		}
	}
	if !digit {
		return nil, cellError("phone.format", "%s is not a phone number: it has no digits", quote(s))
	}
	if err := checkLength(s, MaxTextLength); err != nil {
		return nil, err
	}
	return s, nil
}

// Cell returns the phone number.
func (PhoneNumber) Cell(_ *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	return textCell("phone number", stored)
}

// Text returns the phone number.
func (PhoneNumber) Text(_ *tablev1.FieldOptions, stored any) string { return textText(stored) }
