package fieldtype_test

import (
	"testing"
	"time"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
)

// TestCellReadsScannedValues feeds Cell the Go values PostgreSQL (pgx) and
// SQLite (modernc) give back for each column type.
func TestCellReadsScannedValues(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		kind    tablev1.FieldType
		opts    *tablev1.FieldOptions
		scanned any
		want    string // JSON of the cell
	}{
		{"text as bytes", tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT, nil, []byte("hi"), `"hi"`},
		{"number from REAL", tablev1.FieldType_FIELD_TYPE_NUMBER, numberOpts(1), 2.5, "2.5"},
		{"number stored whole", tablev1.FieldType_FIELD_TYPE_NUMBER, numberOpts(1), int64(3), "3"},
		{"currency", tablev1.FieldType_FIELD_TYPE_CURRENCY, currencyOpts("$", 2), float32(1.25), "1.25"},
		{"rating from BIGINT", tablev1.FieldType_FIELD_TYPE_RATING, ratingOpts(5), int64(4), "4"},
		{"rating as float", tablev1.FieldType_FIELD_TYPE_RATING, ratingOpts(5), 4.0, "4"},
		{"checkbox from PostgreSQL BOOLEAN", tablev1.FieldType_FIELD_TYPE_CHECKBOX, nil, true, "true"},
		{"checkbox from SQLite 1", tablev1.FieldType_FIELD_TYPE_CHECKBOX, nil, int64(1), "true"},
		{"checkbox from SQLite 0", tablev1.FieldType_FIELD_TYPE_CHECKBOX, nil, int64(0), "false"},
		{"checkbox NULL", tablev1.FieldType_FIELD_TYPE_CHECKBOX, nil, nil, "false"},
		{"date from PostgreSQL DATE", tablev1.FieldType_FIELD_TYPE_DATE, nil, time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC), `"2026-11-21"`},
		{"date from SQLite TEXT", tablev1.FieldType_FIELD_TYPE_DATE, nil, "2026-11-21", `"2026-11-21"`},
		{"date as bytes", tablev1.FieldType_FIELD_TYPE_DATE, nil, []byte("2026-11-21"), `"2026-11-21"`},
		{"date with a time", tablev1.FieldType_FIELD_TYPE_DATE, nil, "2026-11-21T00:00:00Z", `"2026-11-21"`},
		{"date-time from TIMESTAMPTZ in a local zone", tablev1.FieldType_FIELD_TYPE_DATE_TIME, nil, time.Date(2026, 11, 21, 15, 30, 0, 0, paris), `"2026-11-21T14:30:00Z"`},
		{"date-time from SQLite text", tablev1.FieldType_FIELD_TYPE_DATE_TIME, nil, "2026-11-21 14:30:00+00:00", `"2026-11-21T14:30:00Z"`},
		{"date-time from SQLite text with fraction and offset", tablev1.FieldType_FIELD_TYPE_DATE_TIME, nil, "2026-11-21 15:30:00.123456+01:00", `"2026-11-21T14:30:00.123456Z"`},
		{"date-time RFC 3339 text", tablev1.FieldType_FIELD_TYPE_DATE_TIME, nil, []byte("2026-11-21T14:30:00Z"), `"2026-11-21T14:30:00Z"`},
		{"date-time text without zone is UTC", tablev1.FieldType_FIELD_TYPE_DATE_TIME, nil, "2026-11-21 14:30:00", `"2026-11-21T14:30:00Z"`},
		{"single select as bytes", tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, colorOptions(), []byte(selRed), `"Red"`},
		{"multiple selects from JSONB", tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS, colorOptions(), []byte(`["` + selBlue + `", "` + selRed + `"]`), `["Blue","Red"]`},
		{"multiple selects from TEXT", tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS, colorOptions(), `["` + selGreen + `"]`, `["Green"]`},
		{"collaborator", tablev1.FieldType_FIELD_TYPE_COLLABORATOR, nil, []byte(userAda), `{"id":"` + userAda + `"}`},
		{"json from JSONB", tablev1.FieldType_FIELD_TYPE_JSON, nil, []byte(`{"b": 1, "a": [true, null]}`), `{"a":[true,null],"b":1}`},
		{"json null", tablev1.FieldType_FIELD_TYPE_JSON, nil, "null", "null"},
		{"barcode from JSONB", tablev1.FieldType_FIELD_TYPE_BARCODE, nil, []byte(`{"text": "A1", "type": "code39"}`), `{"text":"A1","type":"code39"}`},
		{"attachment from JSONB", tablev1.FieldType_FIELD_TYPE_ATTACHMENT, nil, []byte(`[{"url": "https://e.com/a", "size": 3, "filename": "a"}]`), `[{"filename":"a","size":3,"url":"https://e.com/a"}]`},
		{"auto number from seq", tablev1.FieldType_FIELD_TYPE_AUTO_NUMBER, nil, int64(42), "42"},
		{"created time from created_at", tablev1.FieldType_FIELD_TYPE_CREATED_TIME, nil, time.Date(2026, 11, 21, 14, 30, 0, 5000, time.UTC), `"2026-11-21T14:30:00.000005Z"`},
		{"last modified time from SQLite", tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_TIME, nil, "2026-11-21 14:30:00+00:00", `"2026-11-21T14:30:00Z"`},
		{"created by", tablev1.FieldType_FIELD_TYPE_CREATED_BY, nil, userGrace, `{"id":"` + userGrace + `"}`},
		{"last modified by as bytes", tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_BY, nil, []byte(userGrace), `{"id":"` + userGrace + `"}`},
		{"NULL", tablev1.FieldType_FIELD_TYPE_DATE_TIME, nil, nil, "null"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := typeOf(t, c.kind).Cell(c.opts, c.scanned)
			if err != nil {
				t.Fatalf("Cell(%#v): %v", c.scanned, err)
			}
			if got := jsonOf(v); got != c.want {
				t.Fatalf("Cell(%#v) = %s, want %s", c.scanned, got, c.want)
			}
		})
	}
}

func TestCellRefusesUnreadableValues(t *testing.T) {
	cases := []struct {
		kind    tablev1.FieldType
		scanned any
	}{
		{tablev1.FieldType_FIELD_TYPE_NUMBER, "abc"},
		{tablev1.FieldType_FIELD_TYPE_CHECKBOX, int64(7)},
		{tablev1.FieldType_FIELD_TYPE_DATE, "tomorrow"},
		{tablev1.FieldType_FIELD_TYPE_DATE_TIME, 12},
		{tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS, "not json"},
		{tablev1.FieldType_FIELD_TYPE_JSON, []byte("{")},
		{tablev1.FieldType_FIELD_TYPE_RATING, 2.5},
		{tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT, 5},
	}
	for _, c := range cases {
		_, err := typeOf(t, c.kind).Cell(nil, c.scanned)
		if !apperr.IsKind(err, apperr.Internal) {
			t.Errorf("%s Cell(%#v) = %v, want an Internal error", c.kind, c.scanned, err)
		}
	}
}
