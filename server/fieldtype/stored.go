package fieldtype

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The readers below accept a stored value as Value wrote it and as the
// database drivers scan it back: PostgreSQL (pgx) and SQLite (modernc) give
// different Go types for the same column.

// storedString reads text: string or []byte.
func storedString(x any) (string, bool) {
	switch v := x.(type) {
	case string:
		return v, true
	case []byte:
		return string(v), true
	case json.RawMessage:
		return string(v), true
	}
	return "", false
}

// storedFloat reads a number: any Go number, or its text.
func storedFloat(x any) (float64, bool) {
	switch v := x.(type) {
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case int64:
		return float64(v), true
	case int:
		return float64(v), true
	case int32:
		return float64(v), true
	case uint64:
		return float64(v), true
	case string, []byte:
		s, _ := storedString(v)
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

// storedInt reads a whole number: any Go integer, a whole float, or text.
func storedInt(x any) (int64, bool) {
	switch v := x.(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case int32:
		return int64(v), true
	case uint64:
		if v > math.MaxInt64 {
			return 0, false
		}
		return int64(v), true
	}
	f, ok := storedFloat(x)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// storedBool reads a boolean: bool, SQLite's 0/1 integers, or text.
func storedBool(x any) (bool, bool) {
	switch v := x.(type) {
	case bool:
		return v, true
	case string, []byte:
		s, _ := storedString(v)
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "1", "t", "true":
			return true, true
		case "0", "f", "false":
			return false, true
		}
		return false, false
	}
	if n, ok := storedInt(x); ok && (n == 0 || n == 1) {
		return n == 1, true
	}
	return false, false
}

// storedLayouts are the forms a timestamp may come back in as text: SQLite
// (modernc) writes "2006-01-02 15:04:05.999999999-07:00" and may hold RFC
// 3339 or forms without a zone (read as UTC).
var storedLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// storedTime reads an instant: time.Time, or text in one of storedLayouts.
// The result is in UTC.
func storedTime(x any) (time.Time, bool) {
	if t, ok := x.(time.Time); ok {
		return t.UTC(), true
	}
	s, ok := storedString(x)
	if !ok {
		return time.Time{}, false
	}
	s = strings.TrimSpace(s)
	for _, layout := range storedLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// storedDate reads a date as "YYYY-MM-DD": text (from SQLite, or with a time
// after the date), or time.Time (PostgreSQL DATE, midnight UTC), whose own
// calendar date is taken.
func storedDate(x any) (string, bool) {
	if t, ok := x.(time.Time); ok {
		return t.Format(dateLayout), true
	}
	s, ok := storedString(x)
	if !ok {
		return "", false
	}
	s = strings.TrimSpace(s)
	if len(s) > len(dateLayout) {
		s = s[:len(dateLayout)]
	}
	if _, err := time.Parse(dateLayout, s); err != nil {
		return "", false
	}
	return s, true
}

// storedJSON reads encoded JSON into Go values (strings, float64, bool,
// []any, map[string]any, nil).
func storedJSON(x any) (any, error) {
	s, ok := storedString(x)
	if !ok {
		return nil, fmt.Errorf("unexpected %T", x)
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, err
	}
	return v, nil
}
