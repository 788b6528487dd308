package fieldtype_test

import (
	"testing"
	"time"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

func TestDate(t *testing.T) {
	iso := normalized(t, tablev1.FieldType_FIELD_TYPE_DATE, nil)
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_DATE, iso, []valueCase{
		{name: "ISO", in: "2026-11-21", stored: "2026-11-21", cell: `"2026-11-21"`},
		{name: "leap day", in: "2028-02-29", stored: "2028-02-29"},
		{name: "no such day", in: "2026-02-30", err: `"2026-02-30" is not a date: use YYYY-MM-DD`},
		{name: "other form needs typecast", in: "11/21/2026", err: "set typecast to read other forms"},
		{name: "year 0", in: "0000-01-01", err: "is not a date"},
		{name: "number", in: 20261121, err: "must be a date as text"},
		{name: "typecast US", in: "11/21/2026", typecast: true, stored: "2026-11-21"},
		{name: "typecast day first when month cannot be", in: "21/11/2026", typecast: true, stored: "2026-11-21"},
		{name: "typecast ambiguous reads month first", in: "01/02/2026", typecast: true, stored: "2026-01-02"},
		{name: "typecast friendly", in: "November 21, 2026", typecast: true, stored: "2026-11-21"},
		{name: "typecast short month", in: "21 Nov 2026", typecast: true, stored: "2026-11-21"},
		{name: "typecast dots", in: "21.11.2026", typecast: true, stored: "2026-11-21"},
		{name: "typecast date-time keeps its date", in: "2026-11-21T23:30:00-05:00", typecast: true, stored: "2026-11-21"},
		{name: "typecast date and clock", in: "2026-11-21 14:30", typecast: true, stored: "2026-11-21"},
		{name: "typecast today", in: "today", typecast: true, stored: "2026-11-21"},
		{name: "typecast yesterday", in: "Yesterday", typecast: true, stored: "2026-11-20"},
		{name: "typecast nonsense", in: "soon", typecast: true, err: `"soon" is not a date`},
	})
	european := &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Date{Date: &tablev1.DateOptions{Format: tablev1.DateFormat_DATE_FORMAT_EUROPEAN}}}
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_DATE, european, []valueCase{
		{name: "typecast ambiguous reads day first", in: "01/02/2026", typecast: true, stored: "2026-02-01"},
	})
}

func TestDateTime(t *testing.T) {
	utc := normalized(t, tablev1.FieldType_FIELD_TYPE_DATE_TIME, nil)
	paris := normalized(t, tablev1.FieldType_FIELD_TYPE_DATE_TIME, &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_DateTime{DateTime: &tablev1.DateTimeOptions{TimeZone: "Europe/Paris"}}})
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_DATE_TIME, utc, []valueCase{
		{name: "UTC", in: "2026-11-21T14:30:00Z", stored: at("2026-11-21T14:30:00Z"), cell: `"2026-11-21T14:30:00Z"`},
		{name: "offset stored in UTC", in: "2026-11-21T15:30:00+01:00", stored: at("2026-11-21T14:30:00Z"), cell: `"2026-11-21T14:30:00Z"`},
		{name: "truncated to microseconds", in: "2026-11-21T14:30:00.123456789Z", stored: at("2026-11-21T14:30:00.123456Z"), cell: `"2026-11-21T14:30:00.123456Z"`},
		{name: "without seconds", in: "2026-11-21T14:30Z", stored: at("2026-11-21T14:30:00Z")},
		{name: "without zone in field zone", in: "2026-11-21T14:30", stored: at("2026-11-21T14:30:00Z")},
		{name: "date alone needs typecast", in: "2026-11-21", err: "use RFC 3339"},
		{name: "space needs typecast", in: "2026-11-21 14:30", err: "is not a date and time"},
		{name: "number", in: 1.7e9, err: "must be a date and time as RFC 3339 text"},
		{name: "typecast date alone", in: "2026-11-21", typecast: true, stored: at("2026-11-21T00:00:00Z")},
		{name: "typecast space and seconds", in: "2026-11-21 14:30:05", typecast: true, stored: at("2026-11-21T14:30:05Z")},
		{name: "typecast US with pm", in: "11/21/2026 2:30 PM", typecast: true, stored: at("2026-11-21T14:30:00Z")},
		{name: "typecast 12 am", in: "11/21/2026 12:15 am", typecast: true, stored: at("2026-11-21T00:15:00Z")},
		{name: "typecast friendly with zone", in: "November 21, 2026 9:30 -05:00", typecast: true, stored: at("2026-11-21T14:30:00Z")},
		{name: "typecast now", in: "now", typecast: true, stored: testNow},
		{name: "typecast bad hour", in: "2026-11-21 25:00", typecast: true, err: "is not a date and time"},
		{name: "typecast 13 pm", in: "2026-11-21 13:00 pm", typecast: true, err: "is not a date and time"},
	})
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_DATE_TIME, paris, []valueCase{
		{name: "without zone read in Paris", in: "2026-11-21T15:30", stored: at("2026-11-21T14:30:00Z")},
		{name: "summer time", in: "2026-07-01T12:00:00", stored: at("2026-07-01T10:00:00Z")},
		{name: "typecast date is Paris midnight", in: "2026-11-21", typecast: true, stored: at("2026-11-20T23:00:00Z")},
		{name: "typecast today is Paris midnight", in: "today", typecast: true, stored: at("2026-11-20T23:00:00Z")},
		{name: "explicit zone wins", in: "2026-11-21T14:30:00Z", stored: at("2026-11-21T14:30:00Z")},
	})
	typ := typeOf(t, tablev1.FieldType_FIELD_TYPE_DATE_TIME)
	if got := typ.Text(paris, at("2026-11-21T14:30:00Z")); got != "2026-11-21T15:30:00+01:00" {
		t.Errorf("Text in Paris = %q", got)
	}
	if got := typ.Text(utc, at("2026-11-21T14:30:00Z")); got != "2026-11-21T14:30:00Z" {
		t.Errorf("Text in UTC = %q", got)
	}
}
