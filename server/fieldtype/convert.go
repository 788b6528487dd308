package fieldtype

import (
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
)

// Convert converts one stored value of a field of type from (with its
// options) into the stored value of the same cell in type to (with its
// options), for a type or options change.
//
// ok is false when the value does not fit the target: out is then the
// target's empty value (nil, or false for a checkbox) and the caller counts
// the cell as cleared. An empty source gives the target's empty value with
// ok true. err is set only when ConversionOf refuses the pair; it is an
// InvalidArgument *apperr.Error with reason ReasonConversionRefused.
//
// Options must be normalised. A computed source converts from its system
// value (the seq, time or user id the caller reads from the record).
func Convert(from Type, fromOpts *tablev1.FieldOptions, to Type, toOpts *tablev1.FieldOptions, stored any, env Env) (out any, ok bool, err error) {
	fk, tk := from.Kind(), to.Kind()
	if ConversionOf(fk, tk) == Refused {
		return nil, false, apperr.New(apperr.InvalidArgument, ReasonConversionRefused,
			"%s cannot become %s: the server computes its values; add a new field of that type instead",
			aField(fk), aField(tk))
	}
	if fk == tk && from.ReadOnly() {
		return stored, true, nil
	}
	empty, _ := to.Value(toOpts, nil, false, env)
	if isEmptyStored(from, fromOpts, stored) {
		return empty, true, nil
	}
	out, err = convertValue(from, fromOpts, to, toOpts, stored, env)
	if err != nil || out == nil {
		return empty, false, nil
	}
	return out, true, nil
}

// isEmptyStored reports whether a stored value is an empty cell: nil, a
// value whose API form is empty (such as a choice the field lost), or an
// unchecked checkbox.
func isEmptyStored(t Type, o *tablev1.FieldOptions, stored any) bool {
	if stored == nil {
		return true
	}
	v, err := t.Cell(o, stored)
	if err != nil {
		return false
	}
	if t.Kind() == tablev1.FieldType_FIELD_TYPE_CHECKBOX {
		return !v.GetBoolValue()
	}
	return IsEmpty(v)
}

// convertValue picks the conversion path for a non-empty stored value.
func convertValue(from Type, fromOpts *tablev1.FieldOptions, to Type, toOpts *tablev1.FieldOptions, stored any, env Env) (any, error) {
	fk, tk := from.Kind(), to.Kind()
	cell := func() (*structpb.Value, error) { return from.Cell(fromOpts, stored) }
	switch {
	case tk == tablev1.FieldType_FIELD_TYPE_JSON && !isTextLike(fk):
		v, err := cell()
		if err != nil {
			return nil, err
		}
		return to.Value(toOpts, v, false, env)
	case fk == tablev1.FieldType_FIELD_TYPE_JSON:
		v, err := cell()
		if err != nil {
			return nil, err
		}
		return to.Value(toOpts, v, true, env)
	case isNumeric(fk) && (numberKinds[tk] || tk == tablev1.FieldType_FIELD_TYPE_RATING):
		f, err := numberOf(from, fromOpts, stored)
		if err != nil {
			return nil, err
		}
		return to.Value(toOpts, structpb.NewNumberValue(f), true, env)
	case isNumeric(fk) && tk == tablev1.FieldType_FIELD_TYPE_CHECKBOX:
		f, err := numberOf(from, fromOpts, stored)
		if err != nil {
			return nil, err
		}
		return f != 0, nil
	case isDateLike(fk) && isDateLike(tk):
		return convertDate(from, fromOpts, to, toOpts, stored, env)
	case selectKinds[fk] && selectKinds[tk]:
		return convertChoices(fromOpts, to, toOpts, stored, env)
	case userKinds[fk] && tk == tablev1.FieldType_FIELD_TYPE_COLLABORATOR:
		id, ok := storedString(stored)
		if !ok {
			return nil, storedError("user", stored)
		}
		return id, nil
	case fk == tk:
		v, err := cell()
		if err != nil {
			return nil, err
		}
		return to.Value(toOpts, v, true, env)
	}
	text := from.Text(fromOpts, stored)
	if text == "" {
		return nil, nil
	}
	return to.Value(toOpts, structpb.NewStringValue(text), true, env)
}

// isTextLike reports whether a kind is stored as free text.
func isTextLike(k tablev1.FieldType) bool {
	return textKinds[k] || k == tablev1.FieldType_FIELD_TYPE_EMAIL ||
		k == tablev1.FieldType_FIELD_TYPE_URL || k == tablev1.FieldType_FIELD_TYPE_PHONE_NUMBER
}

// isNumeric reports whether a kind's value is a number (a checkbox counts
// as 1).
func isNumeric(k tablev1.FieldType) bool {
	return numberKinds[k] || wholeKinds[k] || k == tablev1.FieldType_FIELD_TYPE_CHECKBOX
}

// isDateLike reports whether a kind's value is a date or an instant.
func isDateLike(k tablev1.FieldType) bool {
	return k == tablev1.FieldType_FIELD_TYPE_DATE || instantKinds[k]
}

// numberOf reads the number of a numeric source; a checked checkbox is 1.
func numberOf(t Type, o *tablev1.FieldOptions, stored any) (float64, error) {
	v, err := t.Cell(o, stored)
	if err != nil {
		return 0, err
	}
	switch k := v.GetKind().(type) {
	case *structpb.Value_NumberValue:
		return k.NumberValue, nil
	case *structpb.Value_BoolValue:
		if k.BoolValue {
			return 1, nil
		}
		return 0, nil
	}
	return 0, storedError("number", stored)
}

// convertDate converts between dates and instants: a date becomes midnight
// in the target's time zone, an instant the date it falls on in the
// source's time zone (UTC for created and last modified time).
func convertDate(from Type, fromOpts *tablev1.FieldOptions, to Type, toOpts *tablev1.FieldOptions, stored any, env Env) (any, error) {
	toDate := to.Kind() == tablev1.FieldType_FIELD_TYPE_DATE
	if from.Kind() == tablev1.FieldType_FIELD_TYPE_DATE {
		d, ok := storedDate(stored)
		if !ok {
			return nil, storedError("date", stored)
		}
		if toDate {
			return to.Value(toOpts, structpb.NewStringValue(d), false, env)
		}
		day, _ := time.Parse(dateLayout, d)
		midnight := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, fieldLocation(toOpts))
		return to.Value(toOpts, structpb.NewStringValue(midnight.Format(time.RFC3339Nano)), false, env)
	}
	t, ok := storedTime(stored)
	if !ok {
		return nil, storedError("date-time", stored)
	}
	if toDate {
		loc := time.UTC
		if from.Kind() == tablev1.FieldType_FIELD_TYPE_DATE_TIME {
			loc = fieldLocation(fromOpts)
		}
		return to.Value(toOpts, structpb.NewStringValue(t.In(loc).Format(dateLayout)), false, env)
	}
	return to.Value(toOpts, structpb.NewStringValue(t.UTC().Format(time.RFC3339Nano)), false, env)
}

// convertChoices maps choices by name into the target's choices: names the
// target lacks are dropped; a single select keeps the first name it has.
func convertChoices(fromOpts *tablev1.FieldOptions, to Type, toOpts *tablev1.FieldOptions, stored any, env Env) (any, error) {
	var names []string
	if id, ok := storedString(stored); ok {
		if c, found := choiceByID(fromOpts, id); found {
			names = []string{c.GetName()}
		} else if list, isList := choiceNames(fromOpts, stored); isList {
			names = list
		}
	}
	var kept []string
	for _, n := range names {
		if c, found := choiceByName(toOpts, n); found {
			kept = append(kept, c.GetId())
		}
	}
	if len(kept) == 0 {
		return nil, nil
	}
	if to.Kind() == tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT {
		return kept[0], nil
	}
	items := make([]*structpb.Value, len(kept))
	for i, id := range kept {
		items[i] = structpb.NewStringValue(id)
	}
	return to.Value(toOpts, structpb.NewListValue(&structpb.ListValue{Values: items}), false, env)
}
