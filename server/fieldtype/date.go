package fieldtype

import (
	"github.com/pyairtable/pyairtable/server/apperr"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Date is a calendar date, stored and sent as "YYYY-MM-DD".
type Date struct{}

var _ Type = Date{}

func init() { register(Date{}) }

// Kind is FIELD_TYPE_DATE.
func (Date) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_DATE }

// Column is DATE on PostgreSQL and TEXT on SQLite.
func (Date) Column(e storage.Engine) string { return dateColumn.on(e) }

// ReadOnly is false.
func (Date) ReadOnly() bool { return false }

// CanBePrimary is true.
func (Date) CanBePrimary() bool { return true }

// NormalizeOptions checks the format; unset becomes ISO.
func (t Date) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	var vs apperr.Violations
	checkOptionsKind(t.Kind(), o, "date", &vs)
	f := checkDateFormat("options.date.format", o.GetDate().GetFormat(), &vs)
	if err := vs.Err(ReasonInvalidOptions); err != nil {
		return nil, err
	}
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Date{Date: &tablev1.DateOptions{Format: f}}}, nil
}

// checkDateFormat returns the format with unset made ISO, adding a
// violation for an unknown value.
func checkDateFormat(path string, f tablev1.DateFormat, vs *apperr.Violations) tablev1.DateFormat {
	if f == tablev1.DateFormat_DATE_FORMAT_UNSPECIFIED {
		return tablev1.DateFormat_DATE_FORMAT_ISO
	}
	if _, known := tablev1.DateFormat_name[int32(f)]; !known {
		vs.Add(path, "options.enum", "%d is not a date format", f)
	}
	return f
}

// Value takes "YYYY-MM-DD" (years 1 to 9999). With typecast it also reads
// the field's format and the others ("11/21/2026", "21.11.2026",
// "November 21, 2026"; day and month in the field format's order when
// ambiguous), a date and time (its date as written), and "today",
// "tomorrow" and "yesterday" (in UTC).
func (Date) Value(o *tablev1.FieldOptions, v *structpb.Value, typecast bool, env Env) (any, error) {
	if IsEmpty(v) {
		return nil, nil
	}
	sv, isText := v.Kind.(*structpb.Value_StringValue)
	if !isText {
		return nil, cellError("type", "must be a date as text, YYYY-MM-DD, not %s", Describe(v))
	}
	s := sv.StringValue
	if t, err := time.Parse(dateLayout, s); err == nil && validYear(t) {
		return s, nil
	}
	if !typecast {
		return nil, cellError("date.format", "%s is not a date: use YYYY-MM-DD (or set typecast to read other forms)", quote(s))
	}
	if days, ok := relativeDay(s); ok {
		return env.now().UTC().AddDate(0, 0, days).Format(dateLayout), nil
	}
	format := o.GetDate().GetFormat()
	if t, ok := parseDateText(s, format); ok {
		return t.Format(dateLayout), nil
	}
	if t, ok := parseDateTimeText(s, format, time.UTC); ok && validYear(t) {
		return t.Format(dateLayout), nil
	}
	return nil, cellError("date.format", "%s is not a date", quote(s))
}

// Cell returns "YYYY-MM-DD".
func (Date) Cell(_ *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	if stored == nil {
		return nil, nil
	}
	d, ok := storedDate(stored)
	if !ok {
		return nil, storedError("date", stored)
	}
	return structpb.NewStringValue(d), nil
}

// Text returns "YYYY-MM-DD", whatever the display format.
func (Date) Text(_ *tablev1.FieldOptions, stored any) string {
	d, _ := storedDate(stored)
	return d
}
