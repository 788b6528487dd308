package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

// guessFields names a field per column (from the header, made unique
// ignoring case; "Field N" for an empty one) and guesses its type from the
// column's non-empty cells: number when all are numbers, checkbox when
// all are true/false or yes/no, date when all are YYYY-MM-DD, else single
// line text. The first field is the primary field, which cannot be a
// checkbox: it falls back to text.
func guessFields(header []string, rows [][]string) []*tablev1.FieldSpec {
	taken := map[string]bool{}
	fields := make([]*tablev1.FieldSpec, len(header))
	for i, h := range header {
		name := strings.TrimSpace(h)
		if name == "" {
			name = fmt.Sprintf("Field %d", i+1)
		}
		for n := 2; taken[strings.ToLower(name)]; n++ {
			name = fmt.Sprintf("%s %d", strings.TrimSpace(h), n)
		}
		taken[strings.ToLower(name)] = true
		fields[i] = &tablev1.FieldSpec{Name: name, Type: guessType(column(rows, i))}
		if i == 0 && fields[i].Type == tablev1.FieldType_FIELD_TYPE_CHECKBOX {
			fields[i].Type = tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT
		}
		if fields[i].Type == tablev1.FieldType_FIELD_TYPE_NUMBER {
			fields[i].Options = &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Number{Number: &tablev1.NumberOptions{Precision: decimals(column(rows, i))}}}
		}
	}
	return fields
}

// column returns the non-empty cells of column i.
func column(rows [][]string, i int) []string {
	var out []string
	for _, r := range rows {
		if i < len(r) && strings.TrimSpace(r[i]) != "" {
			out = append(out, strings.TrimSpace(r[i]))
		}
	}
	return out
}

func guessType(cells []string) tablev1.FieldType {
	if len(cells) == 0 {
		return tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT
	}
	all := func(ok func(string) bool) bool {
		for _, c := range cells {
			if !ok(c) {
				return false
			}
		}
		return true
	}
	switch {
	case all(func(s string) bool {
		f, err := strconv.ParseFloat(s, 64)
		return err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}):
		return tablev1.FieldType_FIELD_TYPE_NUMBER
	case all(func(s string) bool {
		switch strings.ToLower(s) {
		case "true", "false", "yes", "no":
			return true
		}
		return false
	}):
		return tablev1.FieldType_FIELD_TYPE_CHECKBOX
	case all(func(s string) bool { _, err := time.Parse("2006-01-02", s); return err == nil }):
		return tablev1.FieldType_FIELD_TYPE_DATE
	default:
		return tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT
	}
}

// decimals is the most digits after the point in a number column, at most
// 8 (the field's precision).
func decimals(cells []string) int32 {
	var most int32
	for _, c := range cells {
		if i := strings.IndexByte(c, '.'); i >= 0 {
			most = max(most, int32(len(c)-i-1))
		}
	}
	return min(most, 8)
}
