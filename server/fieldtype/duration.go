package fieldtype

import (
	"github.com/pyairtable/pyairtable/server/apperr"
	"math"
	"strconv"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Duration is a length of time in seconds, shown in the field's format.
type Duration struct{}

var _ Type = Duration{}

func init() { register(Duration{}) }

// Kind is FIELD_TYPE_DURATION.
func (Duration) Kind() tablev1.FieldType { return tablev1.FieldType_FIELD_TYPE_DURATION }

// Column is a double.
func (Duration) Column(e storage.Engine) string { return floatColumn.on(e) }

// ReadOnly is false.
func (Duration) ReadOnly() bool { return false }

// CanBePrimary is true.
func (Duration) CanBePrimary() bool { return true }

// NormalizeOptions checks the format; unset becomes h:mm.
func (t Duration) NormalizeOptions(o *tablev1.FieldOptions) (*tablev1.FieldOptions, error) {
	var vs apperr.Violations
	checkOptionsKind(t.Kind(), o, "duration", &vs)
	f := o.GetDuration().GetFormat()
	if f == tablev1.DurationFormat_DURATION_FORMAT_UNSPECIFIED {
		f = tablev1.DurationFormat_DURATION_FORMAT_H_MM
	}
	if _, known := tablev1.DurationFormat_name[int32(f)]; !known {
		vs.Add("options.duration.format", "options.enum", "%d is not a duration format", f)
	}
	if err := vs.Err(ReasonInvalidOptions); err != nil {
		return nil, err
	}
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Duration{Duration: &tablev1.DurationOptions{Format: f}}}, nil
}

// durationDigits is the precision of stored seconds: tenths for h:mm:ss.s,
// whole seconds otherwise.
func durationDigits(o *tablev1.FieldOptions) int {
	if o.GetDuration().GetFormat() == tablev1.DurationFormat_DURATION_FORMAT_H_MM_SS_S {
		return 1
	}
	return 0
}

// Value takes a number of seconds (negative allowed), rounded to whole
// seconds (tenths with the h:mm:ss.s format). With typecast, text such as
// "1:30" (h:mm), "1:30:05", "1:30:05.2" or "90" (seconds) is read too.
func (Duration) Value(o *tablev1.FieldOptions, v *structpb.Value, typecast bool, _ Env) (any, error) {
	if IsEmpty(v) {
		return nil, nil
	}
	if s, ok := v.Kind.(*structpb.Value_StringValue); ok && typecast && strings.Contains(s.StringValue, ":") {
		f, ok := parseClock(s.StringValue)
		if !ok {
			return nil, cellError("duration.format", "%s is not a duration such as 1:30 or 1:30:05", quote(s.StringValue))
		}
		return round(f, durationDigits(o)), nil
	}
	f, err := numberInput(v, typecast)
	if err != nil {
		return nil, err
	}
	return round(f, durationDigits(o)), nil
}

// parseClock reads "h:mm", "h:mm:ss" or "h:mm:ss.s" (with an optional sign)
// as seconds.
func parseClock(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	h, err := strconv.ParseUint(parts[0], 10, 32)
	if err != nil {
		return 0, false
	}
	m, err := strconv.ParseUint(parts[1], 10, 8)
	if err != nil || m > 59 || len(parts[1]) != 2 {
		return 0, false
	}
	total := float64(h)*3600 + float64(m)*60
	if len(parts) == 3 {
		sec, err := strconv.ParseFloat(parts[2], 64)
		if err != nil || sec < 0 || sec >= 60 || len(parts[2]) < 2 || strings.Trim(parts[2], "0123456789.") != "" {
			return 0, false
		}
		total += sec
	}
	if neg {
		total = -total
	}
	return total, true
}

// Cell returns the number of seconds.
func (Duration) Cell(o *tablev1.FieldOptions, stored any) (*structpb.Value, error) {
	return floatCell("duration", stored, durationDigits(o))
}

// Text formats the duration in the field's format: "1:30", "1:30:05" or
// "1:30:05.2", with "-" in front of a negative one.
func (Duration) Text(o *tablev1.FieldOptions, stored any) string {
	f, ok := storedFloat(stored)
	if !ok {
		return ""
	}
	return formatClock(f, o.GetDuration().GetFormat())
}

// formatClock formats seconds as h:mm, h:mm:ss or h:mm:ss.s, rounding to the
// last unit shown.
func formatClock(seconds float64, format tablev1.DurationFormat) string {
	sign := ""
	if seconds < 0 {
		sign, seconds = "-", -seconds
	}
	hours := func(units, perHour float64) (string, float64) {
		h := math.Floor(units / perHour)
		return strconv.FormatFloat(h, 'f', 0, 64), units - h*perHour
	}
	two := func(n float64) string {
		s := strconv.FormatFloat(n, 'f', 0, 64)
		if len(s) < 2 {
			s = "0" + s
		}
		return s
	}
	var out string
	switch format {
	case tablev1.DurationFormat_DURATION_FORMAT_H_MM_SS:
		h, rest := hours(math.Round(seconds), 3600)
		out = h + ":" + two(math.Floor(rest/60)) + ":" + two(math.Mod(rest, 60))
	case tablev1.DurationFormat_DURATION_FORMAT_H_MM_SS_S:
		h, rest := hours(math.Round(seconds*10), 36000)
		m := math.Floor(rest / 600)
		rest -= m * 600
		out = h + ":" + two(m) + ":" + two(math.Floor(rest/10)) + "." + strconv.FormatFloat(math.Mod(rest, 10), 'f', 0, 64)
	default:
		h, rest := hours(math.Round(seconds/60), 60)
		out = h + ":" + two(rest)
	}
	if strings.Trim(out, "0:.") == "" {
		return out
	}
	return sign + out
}
