package fieldtype_test

import (
	"math"
	"testing"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

func TestNumber(t *testing.T) {
	two := &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Number{Number: &tablev1.NumberOptions{Precision: 2}}}
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_NUMBER, two, []valueCase{
		{name: "number", in: 1234.5, stored: 1234.5, cell: "1234.5"},
		{name: "rounded to precision", in: 2.345678, stored: 2.35},
		{name: "negative", in: -0.125, stored: -0.13},
		{name: "tiny becomes 0", in: -0.001, stored: 0.0, cell: "0"},
		{name: "large", in: 1e20, stored: 1e20},
		{name: "null", in: nil, stored: nil},
		{name: "text needs typecast", in: "12", err: "must be a number, not text"},
		{name: "bool", in: true, err: "must be a number, not true or false"},
		{name: "not finite", in: math.Inf(1), err: "must be a finite number"},
		{name: "typecast thousands", in: "1,234.5", typecast: true, stored: 1234.5},
		{name: "typecast spaces and sign", in: " -1 000.256 ", typecast: true, stored: -1000.26},
		{name: "typecast dollar", in: "$12", typecast: true, stored: 12.0},
		{name: "typecast exponent", in: "1e3", typecast: true, stored: 1000.0},
		{name: "typecast bool", in: true, typecast: true, stored: 1.0},
		{name: "typecast words", in: "abc", typecast: true, err: `"abc" is not a number`},
		{name: "typecast NaN", in: "NaN", typecast: true, err: `"NaN" is not a number`},
		{name: "typecast two signs", in: "--5", typecast: true, err: "is not a number"},
	})
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_NUMBER, nil, []valueCase{
		{name: "default precision 0", in: 2.5, stored: 3.0},
	})
}

func TestCurrency(t *testing.T) {
	eur := &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Currency{Currency: &tablev1.CurrencyOptions{Symbol: "EUR", Precision: 2}}}
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_CURRENCY, eur, []valueCase{
		{name: "amount", in: 19.999, stored: 20.0, cell: "20"},
		{name: "text needs typecast", in: "EUR 5", err: "must be a number, not text"},
		{name: "typecast symbol before", in: "EUR 1,234.50", typecast: true, stored: 1234.5},
		{name: "typecast symbol after", in: "12.5 EUR", typecast: true, stored: 12.5},
		{name: "typecast negative", in: "-€5", typecast: true, stored: -5.0},
		{name: "typecast sign after symbol", in: "$-5.123", typecast: true, stored: -5.12},
		{name: "typecast other word", in: "5 apples", typecast: true, err: `"5 apples" is not a number`},
	})
	usd := normalized(t, tablev1.FieldType_FIELD_TYPE_CURRENCY, nil)
	typ := typeOf(t, tablev1.FieldType_FIELD_TYPE_CURRENCY)
	for stored, want := range map[float64]string{1234.5: "$1234.50", -5: "-$5.00", 0: "$0.00"} {
		if got := typ.Text(usd, stored); got != want {
			t.Errorf("Text(%v) = %q, want %q", stored, got, want)
		}
	}
	if got := typ.Text(eur, 12.0); got != "EUR 12.00" {
		t.Errorf("Text with EUR = %q", got)
	}
}

func TestPercent(t *testing.T) {
	one := &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Percent{Percent: &tablev1.PercentOptions{Precision: 1}}}
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_PERCENT, one, []valueCase{
		{name: "ratio", in: 0.25, stored: 0.25, cell: "0.25"},
		{name: "rounded to the percentage's precision", in: 0.12345, stored: 0.123},
		{name: "over 100%", in: 1.5, stored: 1.5},
		{name: "typecast percentage", in: "12.5%", typecast: true, stored: 0.125},
		{name: "typecast ratio text", in: "0.5", typecast: true, stored: 0.5},
		{name: "typecast bad percentage", in: "x%", typecast: true, err: `"x%" is not a percentage`},
		{name: "text", in: "25%", err: "must be a number, not text"},
	})
	typ := typeOf(t, tablev1.FieldType_FIELD_TYPE_PERCENT)
	if got := typ.Text(one, 0.125); got != "12.5%" {
		t.Errorf("Text = %q, want 12.5%%", got)
	}
}

func TestDuration(t *testing.T) {
	hmm := normalized(t, tablev1.FieldType_FIELD_TYPE_DURATION, nil)
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_DURATION, hmm, []valueCase{
		{name: "seconds", in: 5400, stored: 5400.0, cell: "5400"},
		{name: "rounded to seconds", in: 1.6, stored: 2.0},
		{name: "negative", in: -90, stored: -90.0},
		{name: "text", in: "1:30", err: "must be a number, not text"},
		{name: "typecast h:mm", in: "1:30", typecast: true, stored: 5400.0},
		{name: "typecast h:mm:ss", in: "10:00:05", typecast: true, stored: 36005.0},
		{name: "typecast negative", in: "-0:30", typecast: true, stored: -1800.0},
		{name: "typecast seconds", in: "90", typecast: true, stored: 90.0},
		{name: "typecast bad minutes", in: "1:75", typecast: true, err: `"1:75" is not a duration such as 1:30`},
		{name: "typecast too many parts", in: "1:00:00:00", typecast: true, err: "is not a duration"},
	})
	tenths := &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Duration{Duration: &tablev1.DurationOptions{Format: tablev1.DurationFormat_DURATION_FORMAT_H_MM_SS_S}}}
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_DURATION, tenths, []valueCase{
		{name: "tenths kept", in: 1.26, stored: 1.3},
		{name: "typecast tenths", in: "1:30:05.2", typecast: true, stored: 5405.2},
	})
	typ := typeOf(t, tablev1.FieldType_FIELD_TYPE_DURATION)
	for _, c := range []struct {
		format  tablev1.DurationFormat
		seconds float64
		want    string
	}{
		{tablev1.DurationFormat_DURATION_FORMAT_H_MM, 5400, "1:30"},
		{tablev1.DurationFormat_DURATION_FORMAT_H_MM, 5429, "1:30"},
		{tablev1.DurationFormat_DURATION_FORMAT_H_MM, -5400, "-1:30"},
		{tablev1.DurationFormat_DURATION_FORMAT_H_MM_SS, 36005, "10:00:05"},
		{tablev1.DurationFormat_DURATION_FORMAT_H_MM_SS_S, 5405.2, "1:30:05.2"},
		{tablev1.DurationFormat_DURATION_FORMAT_H_MM_SS, 0, "0:00:00"},
	} {
		o := &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Duration{Duration: &tablev1.DurationOptions{Format: c.format}}}
		if got := typ.Text(o, c.seconds); got != c.want {
			t.Errorf("Text(%v, %s) = %q, want %q", c.seconds, c.format, got, c.want)
		}
	}
}

func TestRating(t *testing.T) {
	five := normalized(t, tablev1.FieldType_FIELD_TYPE_RATING, nil)
	runValueCases(t, tablev1.FieldType_FIELD_TYPE_RATING, five, []valueCase{
		{name: "whole", in: 4, stored: int64(4), cell: "4"},
		{name: "max", in: 5, stored: int64(5)},
		{name: "zero is empty", in: 0, stored: nil},
		{name: "above max", in: 6, err: "must be a whole number from 1 to 5, not 6"},
		{name: "fraction", in: 2.5, err: "must be a whole number from 1 to 5, not 2.5"},
		{name: "negative", in: -1, err: "from 1 to 5"},
		{name: "text", in: "3", err: "must be a number, not text"},
		{name: "typecast text", in: "3", typecast: true, stored: int64(3)},
		{name: "typecast rounds", in: 2.6, typecast: true, stored: int64(3)},
		{name: "typecast stars", in: "★★★★", typecast: true, stored: int64(4)},
		{name: "typecast too many stars", in: "★★★★★★", typecast: true, err: "not 6"},
		{name: "typecast word", in: "good", typecast: true, err: `"good" is not a number`},
	})
}
