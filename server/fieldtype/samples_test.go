package fieldtype_test

import (
	"testing"
	"time"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

// sample is a field of one type, with options and valid stored values (for
// computed types, system values).
type sample struct {
	opts   *tablev1.FieldOptions
	values []any
}

// samples returns a sample for every type. A type missing here fails
// TestEveryTypeHasSamples.
func samples(t *testing.T) map[tablev1.FieldType]sample {
	t.Helper()
	ms := func(idList ...string) string {
		s := `[`
		for i, id := range idList {
			if i > 0 {
				s += ","
			}
			s += `"` + id + `"`
		}
		return s + `]`
	}
	created := time.Date(2026, 11, 21, 3, 30, 0, 0, time.UTC)
	out := map[tablev1.FieldType]sample{
		tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT:   {nil, []any{"hello", "Ünïcödé ✓", "Red", "42", "2026-11-21", "ada@example.com", "yes", `{"a":1}`}},
		tablev1.FieldType_FIELD_TYPE_LONG_TEXT:          {nil, []any{"line one\nline two", "Green, Blue", "https://example.com"}},
		tablev1.FieldType_FIELD_TYPE_EMAIL:              {nil, []any{"ada@example.com", "eve@example.org"}},
		tablev1.FieldType_FIELD_TYPE_URL:                {nil, []any{"https://example.com/a.pdf", "http://example.com"}},
		tablev1.FieldType_FIELD_TYPE_PHONE_NUMBER:       {nil, []any{"+1 (555) 010-9999", "5550100"}},
		tablev1.FieldType_FIELD_TYPE_NUMBER:             {numberOpts(2), []any{0.0, 3.0, -1234.56, 1e15, 0.01}},
		tablev1.FieldType_FIELD_TYPE_CURRENCY:           {currencyOpts("$", 2), []any{19.99, -5.0, 0.0}},
		tablev1.FieldType_FIELD_TYPE_PERCENT:            {percentOpts(1), []any{0.25, 1.5, 0.001, -0.1}},
		tablev1.FieldType_FIELD_TYPE_RATING:             {ratingOpts(5), []any{int64(1), int64(5)}},
		tablev1.FieldType_FIELD_TYPE_DURATION:           {durationOpts(tablev1.DurationFormat_DURATION_FORMAT_H_MM_SS), []any{5400.0, 0.0, -90.0, 36005.0}},
		tablev1.FieldType_FIELD_TYPE_CHECKBOX:           {nil, []any{true, false}},
		tablev1.FieldType_FIELD_TYPE_DATE:               {dateOpts(tablev1.DateFormat_DATE_FORMAT_US), []any{"2026-11-21", "2000-02-29"}},
		tablev1.FieldType_FIELD_TYPE_DATE_TIME:          {dateTimeOpts(tablev1.DateFormat_DATE_FORMAT_ISO, "America/New_York"), []any{created, time.Date(2026, 7, 1, 12, 0, 0, 123000, time.UTC)}},
		tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT:      {colorOptions(), []any{selRed, selBlue}},
		tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS:   {colorOptions(), []any{ms(selRed, selGreen), ms(selBlue)}},
		tablev1.FieldType_FIELD_TYPE_COLLABORATOR:       {nil, []any{userAda}},
		tablev1.FieldType_FIELD_TYPE_JSON:               {nil, []any{`{"a":[1,true,null]}`, `"text"`, `42`, `["Red","Green"]`, `{"text":"A1"}`, `false`}},
		tablev1.FieldType_FIELD_TYPE_BARCODE:            {nil, []any{`{"text":"4006381333931","type":"ean13"}`, `{"text":"Red"}`}},
		tablev1.FieldType_FIELD_TYPE_ATTACHMENT:         {nil, []any{`[{"url":"https://e.com/a.pdf","filename":"a.pdf","size":10,"type":"application/pdf"},{"url":"https://e.com/b","filename":"b"}]`}},
		tablev1.FieldType_FIELD_TYPE_AUTO_NUMBER:        {nil, []any{int64(1), int64(1234)}},
		tablev1.FieldType_FIELD_TYPE_CREATED_TIME:       {nil, []any{created}},
		tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_TIME: {nil, []any{created.Add(time.Hour)}},
		tablev1.FieldType_FIELD_TYPE_CREATED_BY:         {nil, []any{userAda}},
		tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_BY:   {nil, []any{"usrFormerMember12"}},
	}
	for kind, s := range out {
		s.opts = normalized(t, kind, s.opts)
		out[kind] = s
	}
	return out
}
