package fieldtype

import (
	"strconv"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

// computed is what the computed types share: no column of their own (they
// read the record's system columns), no input, no options.
type computed struct{}

// Column is "": a computed field reads a system column of the record.
func (computed) Column(storage.Engine) string { return "" }

// ReadOnly is true.
func (computed) ReadOnly() bool { return true }

// CanBePrimary is true.
func (computed) CanBePrimary() bool { return true }

// Value refuses every input, empty included, with reason ReasonReadOnly.
func (computed) Value(*tablev1.FieldOptions, *structpb.Value, bool, Env) (any, error) {
	msg := "the field is read-only: the server sets its values"
	return nil, &apperr.Error{
		Kind:       apperr.InvalidArgument,
		Reason:     ReasonReadOnly,
		Message:    msg,
		Violations: []apperr.Violation{{Rule: "read_only", Message: msg}},
	}
}

// AutoNumber is the record's insertion number, from the system column seq.
type AutoNumber struct{ computed }

var _ Type = AutoNumber{}

func init() { register(AutoNumber{}) }

// Kind is FIELD_TYPE_AUTO_NUMBER.
func (AutoNumber) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_AUTO_NUMBER }

// NormalizeOptions refuses options: the type has none.
func (t AutoNumber) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	return noOptions(t.Kind(), o)
}

// Cell returns the number (stored is the int64 seq).
func (AutoNumber) Cell(_ *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	if stored == nil {
		return nil, nil
	}
	n, ok := storedInt(stored)
	if !ok {
		return nil, storedError("auto number", stored)
	}
	return structpb.NewNumberValue(float64(n)), nil
}

// Text returns the number's digits.
func (AutoNumber) Text(_ *tablev1.FieldOptions, stored any) string {
	n, ok := storedInt(stored)
	if !ok {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// systemTime is what the two computed time types share.
type systemTime struct{ computed }

// Cell returns RFC 3339 in UTC (stored is the time.Time of the system
// column, or its SQLite text).
func (systemTime) Cell(_ *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	return instantCell("system time", stored)
}

// Text returns RFC 3339 in UTC.
func (systemTime) Text(_ *tablev1.FieldOptions, stored any) string {
	t, ok := storedTime(stored)
	if !ok {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// CreatedTime is when the record was created, from created_at.
type CreatedTime struct{ systemTime }

var _ Type = CreatedTime{}

func init() { register(CreatedTime{}) }

// Kind is FIELD_TYPE_CREATED_TIME.
func (CreatedTime) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_CREATED_TIME }

// NormalizeOptions refuses options: the type has none.
func (t CreatedTime) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	return noOptions(t.Kind(), o)
}

// LastModifiedTime is when the record last changed, from updated_at.
type LastModifiedTime struct{ systemTime }

var _ Type = LastModifiedTime{}

func init() { register(LastModifiedTime{}) }

// Kind is FIELD_TYPE_LAST_MODIFIED_TIME.
func (LastModifiedTime) Kind() tablev1.FieldType {
	return tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_TIME
}

// NormalizeOptions refuses options: the type has none.
func (t LastModifiedTime) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	return noOptions(t.Kind(), o)
}

// systemUser is what the two computed user types share.
type systemUser struct{ computed }

// Cell returns {"id": "usr…"} (stored is the user id of the system column).
func (systemUser) Cell(_ *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	return userCell("system user", stored)
}

// Text returns the user id.
func (systemUser) Text(_ *tablev1.FieldOptions, stored any) string { return textText(stored) }

// CreatedBy is who created the record, from created_by.
type CreatedBy struct{ systemUser }

var _ Type = CreatedBy{}

func init() { register(CreatedBy{}) }

// Kind is FIELD_TYPE_CREATED_BY.
func (CreatedBy) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_CREATED_BY }

// NormalizeOptions refuses options: the type has none.
func (t CreatedBy) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	return noOptions(t.Kind(), o)
}

// LastModifiedBy is who last changed the record, from updated_by.
type LastModifiedBy struct{ systemUser }

var _ Type = LastModifiedBy{}

func init() { register(LastModifiedBy{}) }

// Kind is FIELD_TYPE_LAST_MODIFIED_BY.
func (LastModifiedBy) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_BY }

// NormalizeOptions refuses options: the type has none.
func (t LastModifiedBy) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	return noOptions(t.Kind(), o)
}
