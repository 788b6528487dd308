package fieldtype

import (
	"net/mail"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Email is an email address, stored lower case.
type Email struct{}

var _ Type = Email{}

func init() { register(Email{}) }

// Kind is FIELD_TYPE_EMAIL.
func (Email) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_EMAIL }

// Column is TEXT.
func (Email) Column(e storage.Engine) string { return textColumn.on(e) }

// ReadOnly is false.
func (Email) ReadOnly() bool { return false }

// CanBePrimary is true.
func (Email) CanBePrimary() bool { return true }

// NormalizeOptions refuses options: the type has none.
func (t Email) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	return noOptions(t.Kind(), o)
}

// Value takes a bare address such as "ada@example.com", at most
// MaxEmailLength characters, and stores it lower case without surrounding
// spaces. With typecast, a named address such as "Ada <ada@example.com>"
// gives its address.
func (Email) Value(_ *tablev1.FieldOptions, v *structpb.Value, typecast bool, _ Env) (any, error) {
	s, empty, err := trimmedInput(v, typecast)
	if err != nil || empty {
		return nil, err
	}
	addr, err := parseEmail(s, typecast)
	if err != nil {
		return nil, err
	}
	if err := checkLength(addr, MaxEmailLength); err != nil {
		return nil, err
	}
	return addr, nil
}

// parseEmail returns the lower-case address in s. Without named, s must be
// the bare address.
func parseEmail(s string, named bool) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil || (!named && (a.Name != "" || !strings.EqualFold(a.Address, s))) {
		return "", cellError("email.format", "%s is not an email address such as name@example.com", quote(s))
	}
	return strings.ToLower(a.Address), nil
}

// Cell returns the address.
func (Email) Cell(_ *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	return textCell("email", stored)
}

// Text returns the address.
func (Email) Text(_ *tablev1.FieldOptions, stored any) string { return textText(stored) }
