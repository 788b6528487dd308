package fieldtype

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

// dateLayout is the stored and API form of a date.
const dateLayout = "2006-01-02"

// Date forms typecast reads. Go's layouts take one or two digits for "1"
// and "2", so "1/2/2006" reads "01/02/2006" too.
var (
	isoDates      = []string{"2006-1-2", "2006/1/2", "2006.1.2"}
	usDates       = []string{"1/2/2006", "1-2-2006"}
	europeanDates = []string{"2/1/2006", "2.1.2006", "2-1-2006"}
	friendlyDates = []string{
		"January 2, 2006", "Jan 2, 2006", "January 2 2006", "Jan 2 2006",
		"2 January 2006", "2 Jan 2006", "Monday, January 2, 2006", "Mon, Jan 2, 2006",
	}
)

// dateLayouts lists the date forms in the order typecast tries them: ISO,
// then the friendly forms, then day and month in the order of the field's
// format (month first unless the format is European).
func dateLayouts(format tablev1.DateFormat) []string {
	out := append(append([]string{}, isoDates...), friendlyDates...)
	if format == tablev1.DateFormat_DATE_FORMAT_EUROPEAN {
		return append(append(out, europeanDates...), usDates...)
	}
	return append(append(out, usDates...), europeanDates...)
}

// parseDateText reads a date without a time in any form typecast knows.
// The result is midnight UTC of that date.
func parseDateText(s string, format tablev1.DateFormat) (time.Time, bool) {
	s = strings.Join(strings.Fields(s), " ")
	for _, layout := range dateLayouts(format) {
		if t, err := time.Parse(layout, s); err == nil {
			return t, validYear(t)
		}
	}
	return time.Time{}, false
}

// validYear reports whether t's year is from 1 to 9999, the years RFC 3339
// and both engines hold.
func validYear(t time.Time) bool { return t.Year() >= 1 && t.Year() <= 9999 }

// strictDateTimes are the forms of a date-time read without typecast: RFC
// 3339 with a zone, or without one (read in the field's time zone).
var (
	strictZoned = []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"}
	strictLocal = []string{"2006-01-02T15:04:05.999999999", "2006-01-02T15:04"}
)

// parseStrictDateTime reads the forms of strictZoned and strictLocal.
func parseStrictDateTime(s string, loc *time.Location) (time.Time, bool) {
	for _, layout := range strictZoned {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	for _, layout := range strictLocal {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// clockSuffix matches a date followed by a time of day, an optional am/pm
// and an optional zone ("Z", "UTC" or an offset such as +01:00).
var clockSuffix = regexp.MustCompile(`(?i)^(.*?)[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s*(am|pm)?\s*(z|utc|gmt|[+-]\d{2}:?\d{2})?$`)

// parseDateTimeText reads a date and time as typecast does: the strict
// forms, then any date form of parseDateText followed by a time of day
// ("14:30", "2:30 pm", "14:30:05.5") and an optional zone. Without a zone
// the time is read in loc.
func parseDateTimeText(s string, format tablev1.DateFormat, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if t, ok := parseStrictDateTime(s, loc); ok {
		return t, true
	}
	m := clockSuffix.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	day, ok := parseDateText(m[1], format)
	if !ok {
		return time.Time{}, false
	}
	hour, _ := strconv.Atoi(m[2])
	minute, _ := strconv.Atoi(m[3])
	sec, _ := strconv.Atoi(m[4])
	nsec := 0
	if m[5] != "" {
		frac := (m[5][1:] + "000000000")[:9]
		nsec, _ = strconv.Atoi(frac)
	}
	switch strings.ToLower(m[6]) {
	case "am", "pm":
		if hour < 1 || hour > 12 {
			return time.Time{}, false
		}
		hour %= 12
		if strings.EqualFold(m[6], "pm") {
			hour += 12
		}
	}
	if hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	zone := loc
	switch z := strings.ToLower(m[7]); {
	case z == "":
	case z == "z" || z == "utc" || z == "gmt":
		zone = time.UTC
	default:
		off, ok := parseOffset(z)
		if !ok {
			return time.Time{}, false
		}
		zone = time.FixedZone("", off)
	}
	return time.Date(day.Year(), day.Month(), day.Day(), hour, minute, sec, nsec, zone), true
}

// parseOffset reads "+01:00" or "-0530" as seconds east of UTC.
func parseOffset(z string) (int, bool) {
	digits := strings.ReplaceAll(z[1:], ":", "")
	if len(digits) != 4 {
		return 0, false
	}
	h, err1 := strconv.Atoi(digits[:2])
	m, err2 := strconv.Atoi(digits[2:])
	if err1 != nil || err2 != nil || h > 23 || m > 59 {
		return 0, false
	}
	off := h*3600 + m*60
	if z[0] == '-' {
		off = -off
	}
	return off, true
}

// relativeDay reads "today", "tomorrow" and "yesterday" as a number of days
// from today.
func relativeDay(s string) (int, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "today":
		return 0, true
	case "tomorrow":
		return 1, true
	case "yesterday":
		return -1, true
	}
	return 0, false
}
