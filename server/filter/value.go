package filter

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/fieldtype"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/schema"
)

// cellMessage is the message of a field type's error about a value.
func cellMessage(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Message
	}
	return "is not a value the field reads"
}

// single checks a single value operand into out.
func (c *checker) single(out *Condition, v *structpb.Value, path string) {
	f := out.Field
	switch familyOf(f.Kind()) {
	case familyText, familyBarcode:
		if s, ok := c.text(v, path); ok {
			out.texts = []string{s}
		}
	case familyNumber:
		out.number = c.number(f, v, path)
	case familyCheckbox:
		out.flag = c.checkbox(f, v, path)
	case familySelect:
		if id, ok := c.choice(f, v, path); ok {
			out.texts = []string{id}
		}
	case familyUser:
		if id, ok := c.user(v, path); ok {
			out.texts = []string{id}
		}
	}
}

// list checks a list operand: a list of 1 to MaxListValues values (a lone
// value is a list of one), each checked as the field's type asks. Repeats
// are dropped.
func (c *checker) list(f *schema.Field, v *structpb.Value, path string) []string {
	items := []*structpb.Value{v}
	itemPath := func(int) string { return path }
	if l, ok := v.Kind.(*structpb.Value_ListValue); ok {
		items = l.ListValue.GetValues()
		itemPath = func(i int) string { return path + "[" + strconv.Itoa(i) + "]" }
		switch {
		case len(items) == 0:
			c.add(path, "filter.value.min_items", "must list at least one value")
			return nil
		case len(items) > MaxListValues:
			c.add(path, "filter.value.max_items", "lists %d values; a list holds at most %d", len(items), MaxListValues)
			return nil
		}
	}
	var out []string
	seen := map[string]bool{}
	for i, item := range items {
		mark := len(c.violations)
		var s string
		ok := false
		switch familyOf(f.Kind()) {
		case familyText:
			s, ok = c.text(item, itemPath(i))
		case familySelect, familyMulti:
			s, ok = c.choice(f, item, itemPath(i))
		case familyUser:
			s, ok = c.user(item, itemPath(i))
		}
		if !ok {
			if c.lenient {
				// A stored list keeps working without a choice deleted since.
				c.violations = c.violations[:mark]
			}
			continue
		}
		key := s
		if familyOf(f.Kind()) == familyText {
			key = strings.ToLower(s)
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, s)
		}
	}
	if len(out) == 0 && c.lenient {
		// Every choice or user the stored list named is gone.
		c.add(path, "filter.value.gone", "names nothing the field still has")
	}
	return out
}

// text checks a text operand: 1 to MaxTextLength characters.
func (c *checker) text(v *structpb.Value, path string) (string, bool) {
	s, ok := v.Kind.(*structpb.Value_StringValue)
	if !ok {
		c.add(path, "filter.value.type", "must be text, not %s", fieldtype.Describe(v))
		return "", false
	}
	switch n := utf8.RuneCountInString(s.StringValue); {
	case strings.TrimSpace(s.StringValue) == "":
		c.add(path, "filter.value.required", "must not be empty (use IS_EMPTY to find empty cells)")
		return "", false
	case n > MaxTextLength:
		c.add(path, "filter.value.max_len", "is %d characters long; a value has at most %d", n, MaxTextLength)
		return "", false
	}
	return s.StringValue, true
}

// number checks a number operand: a finite number as it is (not rounded to
// the field's precision, so GREATER_THAN 2.5 means what it says), or text
// the field's type reads ("25%", "$5", "1:30", "★★★").
func (c *checker) number(f *schema.Field, v *structpb.Value, path string) float64 {
	switch k := v.Kind.(type) {
	case *structpb.Value_NumberValue:
		if math.IsNaN(k.NumberValue) || math.IsInf(k.NumberValue, 0) {
			c.add(path, "filter.value.number", "must be a finite number")
		}
		return k.NumberValue
	case *structpb.Value_StringValue:
		typ, opts := f.TypeOptions()
		if typ != nil && !typ.ReadOnly() {
			stored, err := typ.Value(opts, v, true, fieldtype.Env{})
			if err == nil {
				if n, ok := asFloat(stored); ok {
					return n
				}
			}
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(k.StringValue), 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			c.add(path, "filter.value.number", "%s is not a number the %s field reads", strconv.Quote(k.StringValue), typeName(f.Kind()))
		}
		return n
	}
	c.add(path, "filter.value.type", "must be a number, not %s", fieldtype.Describe(v))
	return 0
}

func asFloat(x any) (float64, bool) {
	switch n := x.(type) {
	case float64:
		return n, true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// checkbox checks a checkbox operand: true or false, or text such as "yes"
// or "unchecked".
func (c *checker) checkbox(f *schema.Field, v *structpb.Value, path string) bool {
	if b, ok := v.Kind.(*structpb.Value_BoolValue); ok {
		return b.BoolValue
	}
	if _, ok := v.Kind.(*structpb.Value_StringValue); ok {
		typ, opts := f.TypeOptions()
		if stored, err := typ.Value(opts, v, true, fieldtype.Env{}); err == nil {
			if b, ok := stored.(bool); ok {
				return b
			}
		}
	}
	c.add(path, "filter.value.type", "must be true or false, not %s", fieldtype.Describe(v))
	return false
}

// choice checks a select operand: a choice of the field, by "sel…" id or
// by name ignoring case. It returns the choice id.
func (c *checker) choice(f *schema.Field, v *structpb.Value, path string) (string, bool) {
	if _, ok := v.Kind.(*structpb.Value_StringValue); !ok {
		c.add(path, "filter.value.type", "must be a choice name or id as text, not %s", fieldtype.Describe(v))
		return "", false
	}
	_, opts := f.TypeOptions()
	one, _ := fieldtype.Get(tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT)
	stored, err := one.Value(opts, v, false, fieldtype.Env{})
	id, ok := stored.(string)
	switch {
	case err != nil:
		c.add(path, "filter.value.choice", "%s", cellMessage(err))
		return "", false
	case !ok:
		c.add(path, "filter.value.required", "must name a choice")
		return "", false
	}
	return id, true
}

// user checks a user operand: a "usr…" id, or {"id": "usr…"}.
func (c *checker) user(v *structpb.Value, path string) (string, bool) {
	var id string
	switch k := v.Kind.(type) {
	case *structpb.Value_StringValue:
		id = strings.TrimSpace(k.StringValue)
	case *structpb.Value_StructValue:
		id = strings.TrimSpace(k.StructValue.GetFields()["id"].GetStringValue())
	default:
		c.add(path, "filter.value.type", "must be a user id (\"usr…\"), not %s", fieldtype.Describe(v))
		return "", false
	}
	if !ids.Valid(ids.User, id) {
		c.add(path, "filter.value.user", "%s is not a user id: name users by their \"usr…\" id", strconv.Quote(id))
		return "", false
	}
	return id, true
}

// dateLayout is the form of calendar dates.
const dateLayout = "2006-01-02"

// maxDays bounds the day counts of date operands.
const maxDays = 10_000

// dateOperand checks a DateOperand and returns it normalised.
func (c *checker) dateOperand(d *tablev1.DateOperand, path string) *tablev1.DateOperand {
	out := &tablev1.DateOperand{Relative: d.GetRelative()}
	rel := d.GetRelative()
	if _, known := tablev1.RelativeDate_name[int32(rel)]; !known || rel == tablev1.RelativeDate_RELATIVE_DATE_UNSPECIFIED {
		c.add(path+".relative", "filter.date.relative", "is required: RELATIVE_DATE_TODAY, RELATIVE_DATE_EXACT_DATE, …")
		return out
	}
	exact := strings.TrimSpace(d.GetExactDate())
	if rel == tablev1.RelativeDate_RELATIVE_DATE_EXACT_DATE {
		if _, ok := parseDay(exact); !ok {
			c.add(path+".exact_date", "filter.date.exact_date", "must be a date, YYYY-MM-DD (years 1 to 9999), not %s", strconv.Quote(exact))
		}
		out.ExactDate = exact
	} else if exact != "" {
		c.add(path+".exact_date", "filter.date.exact_date", "is only for RELATIVE_DATE_EXACT_DATE")
	}
	nDays := rel == tablev1.RelativeDate_RELATIVE_DATE_N_DAYS_AGO || rel == tablev1.RelativeDate_RELATIVE_DATE_N_DAYS_FROM_NOW
	switch {
	case nDays && (d.GetDays() < 0 || d.GetDays() > maxDays):
		c.add(path+".days", "filter.date.days", "must be 0 to %d, not %d", maxDays, d.GetDays())
	case nDays:
		out.Days = d.GetDays()
	case d.GetDays() != 0:
		c.add(path+".days", "filter.date.days", "is only for RELATIVE_DATE_N_DAYS_AGO and RELATIVE_DATE_N_DAYS_FROM_NOW")
	}
	return out
}

// dateRange checks a DateRange and returns it normalised.
func (c *checker) dateRange(d *tablev1.DateRange, path string) *tablev1.DateRange {
	out := &tablev1.DateRange{Period: d.GetPeriod()}
	p := d.GetPeriod()
	if _, known := tablev1.DatePeriod_name[int32(p)]; !known || p == tablev1.DatePeriod_DATE_PERIOD_UNSPECIFIED {
		c.add(path+".period", "filter.date_range.period", "is required: DATE_PERIOD_PAST_WEEK, DATE_PERIOD_NEXT_N_DAYS, …")
		return out
	}
	nDays := p == tablev1.DatePeriod_DATE_PERIOD_PAST_N_DAYS || p == tablev1.DatePeriod_DATE_PERIOD_NEXT_N_DAYS
	switch {
	case nDays && (d.GetDays() < 1 || d.GetDays() > maxDays):
		c.add(path+".days", "filter.date_range.days", "must be 1 to %d, not %d", maxDays, d.GetDays())
	case nDays:
		out.Days = d.GetDays()
	case d.GetDays() != 0:
		c.add(path+".days", "filter.date_range.days", "is only for DATE_PERIOD_PAST_N_DAYS and DATE_PERIOD_NEXT_N_DAYS")
	}
	return out
}

// parseDay reads "YYYY-MM-DD" with a year from 1 to 9999.
func parseDay(s string) (time.Time, bool) {
	t, err := time.Parse(dateLayout, s)
	if err != nil || t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t, true
}
