package fieldtype_test

import (
	"testing"
	"time"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/fieldtype"
)

// TestConvertPaths checks the special conversion paths the document lists.
func TestConvertPaths(t *testing.T) {
	const (
		text      = tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT
		long      = tablev1.FieldType_FIELD_TYPE_LONG_TEXT
		number    = tablev1.FieldType_FIELD_TYPE_NUMBER
		currency  = tablev1.FieldType_FIELD_TYPE_CURRENCY
		percent   = tablev1.FieldType_FIELD_TYPE_PERCENT
		rating    = tablev1.FieldType_FIELD_TYPE_RATING
		duration  = tablev1.FieldType_FIELD_TYPE_DURATION
		checkbox  = tablev1.FieldType_FIELD_TYPE_CHECKBOX
		date      = tablev1.FieldType_FIELD_TYPE_DATE
		dateTime  = tablev1.FieldType_FIELD_TYPE_DATE_TIME
		single    = tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT
		multiple  = tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS
		collab    = tablev1.FieldType_FIELD_TYPE_COLLABORATOR
		jsonKind  = tablev1.FieldType_FIELD_TYPE_JSON
		barcode   = tablev1.FieldType_FIELD_TYPE_BARCODE
		created   = tablev1.FieldType_FIELD_TYPE_CREATED_TIME
		createdBy = tablev1.FieldType_FIELD_TYPE_CREATED_BY
		autoNum   = tablev1.FieldType_FIELD_TYPE_AUTO_NUMBER
	)
	newYork := dateTimeOpts(0, "America/New_York")
	tokyo := dateTimeOpts(0, "Asia/Tokyo")
	// Other choices: Green renamed "green" with its own id, Red missing.
	otherColors := selectOpts(&tablev1.Choice{Id: "selOtherGreen1234", Name: "green", Color: "green"}, &tablev1.Choice{Id: selBlue, Name: "Blue", Color: "blue"})
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v.UTC() }
	cases := []struct {
		name         string
		from         tablev1.FieldType
		fromOpts     *tablev1.FieldOptions
		to           tablev1.FieldType
		toOpts       *tablev1.FieldOptions
		stored, want any
		cleared      bool
	}{
		{"percent keeps the ratio", percent, percentOpts(0), number, numberOpts(2), 0.25, 0.25, false},
		{"currency rounds to the number's precision", currency, currencyOpts("$", 2), number, numberOpts(0), 19.5, 20.0, false},
		{"number to currency", number, numberOpts(3), currency, currencyOpts("€", 2), 1.005, 1.01, false},
		{"duration keeps seconds", duration, durationOpts(0), number, numberOpts(0), 5400.0, 5400.0, false},
		{"rating to number", rating, ratingOpts(5), number, numberOpts(0), int64(4), 4.0, false},
		{"auto number to number", autoNum, nil, number, numberOpts(0), int64(77), 77.0, false},
		{"number rounds into a rating", number, numberOpts(1), rating, ratingOpts(5), 3.4, int64(3), false},
		{"number above the maximum clears", number, numberOpts(0), rating, ratingOpts(5), 7.0, nil, true},
		{"lowered maximum clears", rating, ratingOpts(10), rating, ratingOpts(3), int64(8), nil, true},
		{"checked is 1", checkbox, nil, number, numberOpts(0), true, 1.0, false},
		{"unchecked is empty", checkbox, nil, number, numberOpts(0), false, nil, false},
		{"0 is unchecked", number, numberOpts(0), checkbox, nil, 0.0, false, false},
		{"a number is checked", number, numberOpts(2), checkbox, nil, -0.5, true, false},
		{"checkbox to text", checkbox, nil, text, nil, true, "checked", false},
		{"text that is no checkbox clears to false", text, nil, checkbox, nil, "perhaps", false, true},
		{"date to midnight in the zone", date, nil, dateTime, newYork, "2026-11-21", at("2026-11-21T05:00:00Z"), false},
		{"date-time to its date in its zone", dateTime, newYork, date, nil, at("2026-11-21T03:30:00Z"), "2026-11-20", false},
		{"date-time to its date in Tokyo", dateTime, tokyo, date, nil, at("2026-11-21T20:00:00Z"), "2026-11-22", false},
		{"created time to date in UTC", created, nil, date, nil, at("2026-11-21T23:30:00Z"), "2026-11-21", false},
		{"created time to date-time", created, nil, dateTime, newYork, "2026-11-21 23:30:00+00:00", at("2026-11-21T23:30:00Z"), false},
		{"date-time zone change keeps the instant", dateTime, newYork, dateTime, tokyo, at("2026-11-21T03:30:00Z"), at("2026-11-21T03:30:00Z"), false},
		{"text to date", text, nil, date, nil, "Nov 21, 2026", "2026-11-21", false},
		{"single to multiple", single, colorOptions(), multiple, colorOptions(), selRed, `["` + selRed + `"]`, false},
		{"multiple to single keeps the first", multiple, colorOptions(), single, colorOptions(), `["` + selGreen + `","` + selRed + `"]`, selGreen, false},
		{"multiple to single skips names the target lacks", multiple, colorOptions(), single, otherColors, `["` + selRed + `","` + selBlue + `"]`, selBlue, false},
		{"choices map by name to the target's ids", multiple, colorOptions(), multiple, otherColors, `["` + selGreen + `","` + selRed + `","` + selBlue + `"]`, `["selOtherGreen1234","` + selBlue + `"]`, false},
		{"no name left clears", single, colorOptions(), single, otherColors, selRed, nil, true},
		{"a removed choice is an empty cell", single, colorOptions(), text, nil, "selGoneGoneGone12", nil, false},
		{"text to a choice", text, nil, single, colorOptions(), "blue", selBlue, false},
		{"text to choices", long, nil, multiple, colorOptions(), "Red, Blue", `["` + selRed + `","` + selBlue + `"]`, false},
		{"unknown choice name clears", text, nil, single, colorOptions(), "Purple", nil, true},
		{"choices to text", multiple, colorOptions(), text, nil, `["` + selRed + `","` + selBlue + `"]`, "Red, Blue", false},
		{"email to collaborator", tablev1.FieldType_FIELD_TYPE_EMAIL, nil, collab, nil, "grace@example.com", userGrace, false},
		{"stranger's email clears", tablev1.FieldType_FIELD_TYPE_EMAIL, nil, collab, nil, "eve@example.com", nil, true},
		{"created by keeps a former member", createdBy, nil, collab, nil, "usrFormerMember12", "usrFormerMember12", false},
		{"collaborator to text", collab, nil, text, nil, userAda, userAda, false},
		{"number to JSON", currency, currencyOpts("$", 2), jsonKind, nil, 19.99, "19.99", false},
		{"choices to JSON", multiple, colorOptions(), jsonKind, nil, `["` + selRed + `","` + selBlue + `"]`, `["Red","Blue"]`, false},
		{"collaborator to JSON", collab, nil, jsonKind, nil, userAda, `{"id":"` + userAda + `"}`, false},
		{"text holding JSON to JSON", text, nil, jsonKind, nil, `{"a": [1]}`, `{"a":[1]}`, false},
		{"text to JSON string", text, nil, jsonKind, nil, "hello", `"hello"`, false},
		{"JSON to barcode", jsonKind, nil, barcode, nil, `{"text":"A1","type":"code39"}`, `{"text":"A1","type":"code39"}`, false},
		{"JSON number to number", jsonKind, nil, number, numberOpts(0), `41.6`, 42.0, false},
		{"JSON false to text", jsonKind, nil, text, nil, `false`, "false", false},
		{"JSON object to text", jsonKind, nil, long, nil, `{"b":1,"a":"x"}`, `{"a":"x","b":1}`, false},
		{"long text to one line", long, nil, text, nil, "one\ntwo", "one two", false},
		{"number to text uses the precision", number, numberOpts(2), text, nil, 3.0, "3.00", false},
		{"number is no URL", number, numberOpts(2), tablev1.FieldType_FIELD_TYPE_URL, nil, 3.0, nil, true},
		{"barcode to text", barcode, nil, text, nil, `{"text":"A1","type":"code39"}`, "A1", false},
		{"empty cell stays empty", number, numberOpts(0), text, nil, nil, nil, false},
		{"empty cell becomes unchecked", text, nil, checkbox, nil, nil, false, false},
		{"created time to itself keeps the value", created, nil, created, nil, "2026-11-21 23:30:00+00:00", "2026-11-21 23:30:00+00:00", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			from, to := typeOf(t, c.from), typeOf(t, c.to)
			fromOpts, toOpts := normalized(t, c.from, c.fromOpts), normalized(t, c.to, c.toOpts)
			out, ok, err := fieldtype.Convert(from, fromOpts, to, toOpts, c.stored, env)
			if err != nil {
				t.Fatalf("Convert: %v", err)
			}
			if ok == c.cleared {
				t.Fatalf("Convert(%#v) ok = %v, want %v", c.stored, ok, !c.cleared)
			}
			if !sameStored(out, c.want) {
				t.Fatalf("Convert(%#v) = %#v, want %#v", c.stored, out, c.want)
			}
		})
	}
}

func TestConvertRefusesComputedTargets(t *testing.T) {
	from := typeOf(t, tablev1.FieldType_FIELD_TYPE_NUMBER)
	to := typeOf(t, tablev1.FieldType_FIELD_TYPE_AUTO_NUMBER)
	_, _, err := fieldtype.Convert(from, nil, to, nil, 3.0, env)
	e, ok := apperr.As(err)
	if !ok || e.Reason != fieldtype.ReasonConversionRefused || e.Message != "a number field cannot become an auto number field: the server computes its values; add a new field of that type instead" {
		t.Fatalf("error %v", err)
	}
}

func TestConversionOfUnknownKinds(t *testing.T) {
	if got := fieldtype.ConversionOf(tablev1.FieldType_FIELD_TYPE_UNSPECIFIED, tablev1.FieldType_FIELD_TYPE_NUMBER); got != fieldtype.Refused {
		t.Errorf("from UNSPECIFIED: %s", got)
	}
	if got := fieldtype.ConversionOf(tablev1.FieldType_FIELD_TYPE_NUMBER, 99); got != fieldtype.Refused {
		t.Errorf("to 99: %s", got)
	}
}
