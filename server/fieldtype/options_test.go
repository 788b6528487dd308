package fieldtype_test

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/fieldtype"
	"github.com/pyairtable/pyairtable/server/ids"
)

func numberOpts(p int32) *tablev1.FieldOptions {
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Number{Number: &tablev1.NumberOptions{Precision: p}}}
}

func currencyOpts(sym string, p int32) *tablev1.FieldOptions {
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Currency{Currency: &tablev1.CurrencyOptions{Symbol: sym, Precision: p}}}
}

func percentOpts(p int32) *tablev1.FieldOptions {
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Percent{Percent: &tablev1.PercentOptions{Precision: p}}}
}

func ratingOpts(m int32) *tablev1.FieldOptions {
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Rating{Rating: &tablev1.RatingOptions{Max: m}}}
}

func durationOpts(f tablev1.DurationFormat) *tablev1.FieldOptions {
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Duration{Duration: &tablev1.DurationOptions{Format: f}}}
}

func dateOpts(f tablev1.DateFormat) *tablev1.FieldOptions {
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Date{Date: &tablev1.DateOptions{Format: f}}}
}

func dateTimeOpts(f tablev1.DateFormat, zone string) *tablev1.FieldOptions {
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_DateTime{DateTime: &tablev1.DateTimeOptions{DateFormat: f, TimeZone: zone}}}
}

func selectOpts(choices ...*tablev1.Choice) *tablev1.FieldOptions {
	return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Select{Select: &tablev1.SelectOptions{Choices: choices}}}
}

func TestNormalizeOptionsDefaults(t *testing.T) {
	cases := []struct {
		kind tablev1.FieldType
		in   *tablev1.FieldOptions
		want *tablev1.FieldOptions
	}{
		{tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT, nil, nil},
		{tablev1.FieldType_FIELD_TYPE_CHECKBOX, &tablev1.FieldOptions{}, nil},
		{tablev1.FieldType_FIELD_TYPE_NUMBER, nil, numberOpts(0)},
		{tablev1.FieldType_FIELD_TYPE_NUMBER, numberOpts(8), numberOpts(8)},
		{tablev1.FieldType_FIELD_TYPE_CURRENCY, nil, currencyOpts("$", 2)},
		{tablev1.FieldType_FIELD_TYPE_CURRENCY, currencyOpts(" € ", 0), currencyOpts("€", 0)},
		{tablev1.FieldType_FIELD_TYPE_CURRENCY, currencyOpts("", 3), currencyOpts("$", 3)},
		{tablev1.FieldType_FIELD_TYPE_PERCENT, nil, percentOpts(0)},
		{tablev1.FieldType_FIELD_TYPE_RATING, nil, ratingOpts(5)},
		{tablev1.FieldType_FIELD_TYPE_RATING, ratingOpts(10), ratingOpts(10)},
		{tablev1.FieldType_FIELD_TYPE_DURATION, nil, durationOpts(tablev1.DurationFormat_DURATION_FORMAT_H_MM)},
		{tablev1.FieldType_FIELD_TYPE_DATE, nil, dateOpts(tablev1.DateFormat_DATE_FORMAT_ISO)},
		{tablev1.FieldType_FIELD_TYPE_DATE, dateOpts(tablev1.DateFormat_DATE_FORMAT_US), dateOpts(tablev1.DateFormat_DATE_FORMAT_US)},
		{tablev1.FieldType_FIELD_TYPE_DATE_TIME, nil, dateTimeOpts(tablev1.DateFormat_DATE_FORMAT_ISO, "UTC")},
		{tablev1.FieldType_FIELD_TYPE_DATE_TIME, dateTimeOpts(tablev1.DateFormat_DATE_FORMAT_FRIENDLY, "America/New_York"), dateTimeOpts(tablev1.DateFormat_DATE_FORMAT_FRIENDLY, "America/New_York")},
		{tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, nil, selectOpts()},
		{tablev1.FieldType_FIELD_TYPE_AUTO_NUMBER, nil, nil},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s %v", c.kind, c.in), func(t *testing.T) {
			got := normalized(t, c.kind, c.in)
			if !proto.Equal(got, c.want) {
				t.Fatalf("NormalizeOptions = %v, want %v", got, c.want)
			}
		})
	}
}

func TestNormalizeOptionsDoesNotChangeInput(t *testing.T) {
	in := selectOpts(&tablev1.Choice{Name: " Red "})
	before := proto.Clone(in)
	normalized(t, tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, in)
	if !proto.Equal(in, before) {
		t.Fatalf("input changed to %v", in)
	}
}

func TestNormalizeOptionsRefuses(t *testing.T) {
	long := strings.Repeat("n", 256)
	many := make([]*tablev1.Choice, 1001)
	for i := range many {
		many[i] = &tablev1.Choice{Name: fmt.Sprint(i)}
	}
	cases := []struct {
		name string
		kind tablev1.FieldType
		in   *tablev1.FieldOptions
		path string // of the first violation
		msg  string // fragment of its message
	}{
		{"options on a text field", tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT, numberOpts(1), "options.number", "a single line text field takes no options"},
		{"options of another type", tablev1.FieldType_FIELD_TYPE_NUMBER, currencyOpts("$", 2), "options.currency", `takes "number" options, not "currency"`},
		{"negative precision", tablev1.FieldType_FIELD_TYPE_NUMBER, numberOpts(-1), "options.number.precision", "must be from 0 to 8, not -1"},
		{"precision 9", tablev1.FieldType_FIELD_TYPE_PERCENT, percentOpts(9), "options.percent.precision", "must be from 0 to 8, not 9"},
		{"currency precision", tablev1.FieldType_FIELD_TYPE_CURRENCY, currencyOpts("$", 12), "options.currency.precision", "from 0 to 8"},
		{"long symbol", tablev1.FieldType_FIELD_TYPE_CURRENCY, currencyOpts("DOLLAR", 2), "options.currency.symbol", "must be at most 5 characters, not 6"},
		{"symbol with digits", tablev1.FieldType_FIELD_TYPE_CURRENCY, currencyOpts("U2", 2), "options.currency.symbol", "must not contain digits or spaces"},
		{"rating 11", tablev1.FieldType_FIELD_TYPE_RATING, ratingOpts(11), "options.rating.max", "must be from 1 to 10, not 11"},
		{"rating negative", tablev1.FieldType_FIELD_TYPE_RATING, ratingOpts(-2), "options.rating.max", "not -2"},
		{"duration format", tablev1.FieldType_FIELD_TYPE_DURATION, durationOpts(9), "options.duration.format", "9 is not a duration format"},
		{"date format", tablev1.FieldType_FIELD_TYPE_DATE, dateOpts(7), "options.date.format", "7 is not a date format"},
		{"date-time format", tablev1.FieldType_FIELD_TYPE_DATE_TIME, dateTimeOpts(7, ""), "options.date_time.date_format", "7 is not a date format"},
		{"time zone", tablev1.FieldType_FIELD_TYPE_DATE_TIME, dateTimeOpts(0, "Mars/Olympus"), "options.date_time.time_zone", `"Mars/Olympus" is not a time zone`},
		{"local time zone", tablev1.FieldType_FIELD_TYPE_DATE_TIME, dateTimeOpts(0, "Local"), "options.date_time.time_zone", "is not a time zone"},
		{"empty choice name", tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, selectOpts(&tablev1.Choice{Name: "a"}, &tablev1.Choice{Name: "  "}), "options.select.choices[1].name", "must not be empty"},
		{"long choice name", tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS, selectOpts(&tablev1.Choice{Name: long}), "options.select.choices[0].name", "must be at most 255 characters, not 256"},
		{"duplicate names", tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, selectOpts(&tablev1.Choice{Name: "Red"}, &tablev1.Choice{Name: "Green"}, &tablev1.Choice{Name: "red "}), "options.select.choices[2].name", `"red" is already the name of choice 0`},
		{"bad id", tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, selectOpts(&tablev1.Choice{Id: "red", Name: "Red"}), "options.select.choices[0].id", `"red" is not a choice id`},
		{"duplicate ids", tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, selectOpts(&tablev1.Choice{Id: selRed, Name: "Red"}, &tablev1.Choice{Id: selRed, Name: "Rouge"}), "options.select.choices[1].id", "is already the id of choice 0"},
		{"bad colour", tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, selectOpts(&tablev1.Choice{Name: "Red", Color: "mauve"}), "options.select.choices[0].color", `"mauve" is not a colour`},
		{"too many choices", tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS, selectOpts(many...), "options.select.choices", "must have at most 1000 choices, not 1001"},
		{"options on a computed field", tablev1.FieldType_FIELD_TYPE_CREATED_TIME, dateTimeOpts(0, "UTC"), "options.date_time", "a created time field takes no options"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := typeOf(t, c.kind).NormalizeOptions(c.in)
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.InvalidArgument || e.Reason != fieldtype.ReasonInvalidOptions {
				t.Fatalf("error %v, want InvalidArgument with reason %s", err, fieldtype.ReasonInvalidOptions)
			}
			if len(e.Violations) == 0 {
				t.Fatalf("no violations in %v", e)
			}
			v := e.Violations[0]
			if v.Path != c.path || !strings.Contains(v.Message, c.msg) {
				t.Fatalf("violation %s: %q, want %s: …%s…", v.Path, v.Message, c.path, c.msg)
			}
			if !strings.HasPrefix(e.Message, c.path+": ") {
				t.Fatalf("message %q does not start with the path", e.Message)
			}
		})
	}
}

func TestNormalizeOptionsReportsEveryViolation(t *testing.T) {
	_, err := typeOf(t, tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT).NormalizeOptions(selectOpts(
		&tablev1.Choice{Name: ""}, &tablev1.Choice{Name: "A", Color: "nope"}))
	e, _ := apperr.As(err)
	if e == nil || len(e.Violations) != 2 || !strings.Contains(e.Message, "(and 1 more)") {
		t.Fatalf("error %v, want two violations", err)
	}
}

func TestSelectChoicesGetIDsAndColours(t *testing.T) {
	got := normalized(t, tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS, selectOpts(
		&tablev1.Choice{Name: " Red "},
		&tablev1.Choice{Id: selGreen, Name: "Green", Color: "blueLight2"},
		&tablev1.Choice{Name: "Blue", Color: "red"},
		&tablev1.Choice{Name: "Gray"},
	)).GetSelect().GetChoices()
	if len(got) != 4 {
		t.Fatalf("%d choices, want 4", len(got))
	}
	if got[0].GetName() != "Red" || !ids.Valid(fieldtype.ChoicePrefix, got[0].GetId()) {
		t.Errorf("choice 0 = %v, want a trimmed name and a new sel id", got[0])
	}
	if got[1].GetId() != selGreen || got[1].GetColor() != "blueLight2" {
		t.Errorf("choice 1 = %v, want its id and colour kept", got[1])
	}
	if got[2].GetColor() != "red" {
		t.Errorf("choice 2 colour %q, want red", got[2].GetColor())
	}
	// New colours skip the ones taken: blueLight2 is, so cyanLight2 then tealLight2.
	if got[0].GetColor() != "cyanLight2" || got[3].GetColor() != "tealLight2" {
		t.Errorf("default colours %q, %q; want cyanLight2, tealLight2", got[0].GetColor(), got[3].GetColor())
	}
	if got[0].GetId() == got[3].GetId() {
		t.Errorf("two new choices got the same id %s", got[0].GetId())
	}
	for _, c := range fieldtype.Palette {
		if _, err := typeOf(t, tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT).NormalizeOptions(selectOpts(&tablev1.Choice{Name: "x", Color: c})); err != nil {
			t.Errorf("palette colour %s refused: %v", c, err)
		}
	}
}
