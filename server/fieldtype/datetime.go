package fieldtype

import (
	"github.com/pyairtable/pyairtable/server/apperr"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// DateTime is an instant, stored in UTC to the microsecond and shown in the
// field's time zone.
type DateTime struct{}

var _ Type = DateTime{}

func init() { register(DateTime{}) }

// Kind is FIELD_TYPE_DATE_TIME.
func (DateTime) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_DATE_TIME }

// Column is TIMESTAMPTZ on PostgreSQL and TIMESTAMP on SQLite.
func (DateTime) Column(e storage.Engine) string { return timestampColumn.on(e) }

// ReadOnly is false.
func (DateTime) ReadOnly() bool { return false }

// CanBePrimary is true.
func (DateTime) CanBePrimary() bool { return true }

// NormalizeOptions checks the date format (unset becomes ISO) and the time
// zone, which must be an IANA name such as "Europe/Paris" (default "UTC").
func (t DateTime) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	var vs apperr.Violations
	checkOptionsKind(t.Kind(), o, "date_time", &vs)
	in := o.GetDateTime()
	out := &tablev1.DateTimeOptions{
		DateFormat:      checkDateFormat("options.date_time.date_format", in.GetDateFormat(), &vs),
		TwelveHourClock: in.GetTwelveHourClock(),
		TimeZone:        strings.TrimSpace(in.GetTimeZone()),
	}
	if out.TimeZone == "" {
		out.TimeZone = DefaultTimeZone
	}
	if _, err := loadLocation(out.TimeZone); err != nil {
		vs.Add("options.date_time.time_zone", "options.time_zone", "%s is not a time zone: use an IANA name such as \"Europe/Paris\" or \"UTC\"", quote(out.TimeZone))
	}
	if err := vs.Err(ReasonInvalidOptions); err != nil {
		return nil, err
	}
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_DateTime{DateTime: out}}, nil
}

// Value takes RFC 3339 text such as "2026-11-21T14:30:00Z" or
// "2026-11-21T15:30:00+01:00"; without an offset ("2026-11-21T14:30") the
// time is read in the field's time zone. The instant is stored in UTC,
// truncated to the microsecond; years 1 to 9999. With typecast it also
// reads a date alone (midnight in the field's time zone), dates in the
// forms Date reads followed by a time ("11/21/2026 2:30 pm"), "now", and
// "today", "tomorrow" and "yesterday" (midnight in the field's time zone).
func (DateTime) Value(o *tablev1.FieldOptions, v *structpb.Value, typecast bool, env Env) (any, error) {
	if IsEmpty(v) {
		return nil, nil
	}
	sv, isText := v.Kind.(*structpb.Value_StringValue)
	if !isText {
		return nil, cellError("type", "must be a date and time as RFC 3339 text, not %s", Describe(v))
	}
	s := strings.TrimSpace(sv.StringValue)
	loc := fieldLocation(o)
	t, ok := parseStrictDateTime(s, loc)
	if !ok && typecast {
		t, ok = castDateTime(s, o.GetDateTime().GetDateFormat(), loc, env)
	}
	if !ok {
		if !typecast {
			return nil, cellError("date_time.format", "%s is not a date and time: use RFC 3339, such as 2026-11-21T14:30:00Z (or set typecast to read other forms)", quote(s))
		}
		return nil, cellError("date_time.format", "%s is not a date and time", quote(s))
	}
	t = t.UTC().Truncate(time.Microsecond)
	if !validYear(t) {
		return nil, cellError("date_time.range", "%s is out of range: years 1 to 9999", quote(s))
	}
	return t, nil
}

// castDateTime reads the extra forms typecast allows.
func castDateTime(s string, format tablev1.DateFormat, loc *time.Location, env Env) (time.Time, bool) {
	if strings.EqualFold(s, "now") {
		return env.now(), true
	}
	if days, ok := relativeDay(s); ok {
		y, m, d := env.now().In(loc).AddDate(0, 0, days).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc), true
	}
	if t, ok := parseDateTimeText(s, format, loc); ok {
		return t, true
	}
	if day, ok := parseDateText(s, format); ok {
		return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc), true
	}
	return time.Time{}, false
}

// Cell returns RFC 3339 in UTC, such as "2026-11-21T14:30:00Z".
func (DateTime) Cell(_ *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	return instantCell("date-time", stored)
}

// Text returns RFC 3339 in the field's time zone, such as
// "2026-11-21T15:30:00+01:00".
func (DateTime) Text(o *tablev1.FieldOptions, stored any) string {
	t, ok := storedTime(stored)
	if !ok {
		return ""
	}
	return t.In(fieldLocation(o)).Format(time.RFC3339Nano)
}

// instantCell is Cell for the types stored as an instant.
func instantCell(kind string, stored any) (*structpb.Value, error) {
	if stored == nil {
		return nil, nil
	}
	t, ok := storedTime(stored)
	if !ok {
		return nil, storedError(kind, stored)
	}
	return structpb.NewStringValue(t.UTC().Format(time.RFC3339Nano)), nil
}
