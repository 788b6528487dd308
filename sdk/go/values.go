package pyairtable

import (
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"time"

	"google.golang.org/protobuf/types/known/structpb"
)

// Record cells are google.protobuf.Value: null, a number, text, a bool, a
// list or an object, as in JSON. A cell's form depends on its field's type
// (see docs/field-types.md): text as a string, numbers as numbers, a
// checkbox as true, a date as "YYYY-MM-DD", a date-time as RFC 3339 text,
// a single select as its choice's name, multiple selects as a list of
// names.

var (
	timeType  = reflect.TypeFor[time.Time]()
	valueType = reflect.TypeFor[*structpb.Value]()
)

// DateLayout is the form of a date cell (a date field's value).
const DateLayout = "2006-01-02"

// EncodeValue turns a Go value into a cell value: nil (and nil pointers)
// into null; bools, integers and floats into bools and numbers; strings
// into text; a time.Time into RFC 3339 text (a date-time field's form; for
// a date field format it with DateLayout, or use the "date" tag option with
// EncodeFields); slices into lists (a []string is a multiple select's
// value); maps with string keys and tagged structs into objects; a
// *structpb.Value as it is. NaN and infinities are refused, as JSON has
// no form for them.
func EncodeValue(v any) (*structpb.Value, error) {
	return encodeValue(reflect.ValueOf(v), false)
}

func encodeValue(rv reflect.Value, asDate bool) (*structpb.Value, error) {
	if !rv.IsValid() {
		return structpb.NewNullValue(), nil
	}
	if rv.Type() == valueType {
		if rv.IsNil() {
			return structpb.NewNullValue(), nil
		}
		return rv.Interface().(*structpb.Value), nil
	}
	if rv.Type() == timeType {
		t := rv.Interface().(time.Time)
		if asDate {
			return structpb.NewStringValue(t.Format(DateLayout)), nil
		}
		return structpb.NewStringValue(t.Format(time.RFC3339Nano)), nil
	}
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return structpb.NewNullValue(), nil
		}
		return encodeValue(rv.Elem(), asDate)
	case reflect.Bool:
		return structpb.NewBoolValue(rv.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return structpb.NewNumberValue(float64(rv.Int())), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return structpb.NewNumberValue(float64(rv.Uint())), nil
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%v is not a number a cell can hold", f)
		}
		return structpb.NewNumberValue(f), nil
	case reflect.String:
		return structpb.NewStringValue(rv.String()), nil
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.Type().Elem().Kind() == reflect.Uint8 {
			return structpb.NewStringValue(base64.StdEncoding.EncodeToString(rv.Bytes())), nil
		}
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return structpb.NewNullValue(), nil
		}
		list := &structpb.ListValue{Values: make([]*structpb.Value, rv.Len())}
		for i := range rv.Len() {
			ev, err := encodeValue(rv.Index(i), asDate)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			list.Values[i] = ev
		}
		return structpb.NewListValue(list), nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("a map keyed by %s cannot be a cell; keys must be strings", rv.Type().Key())
		}
		if rv.IsNil() {
			return structpb.NewNullValue(), nil
		}
		obj := &structpb.Struct{Fields: make(map[string]*structpb.Value, rv.Len())}
		for it := rv.MapRange(); it.Next(); {
			ev, err := encodeValue(it.Value(), false)
			if err != nil {
				return nil, fmt.Errorf("[%q]: %w", it.Key().String(), err)
			}
			obj.Fields[it.Key().String()] = ev
		}
		return structpb.NewStructValue(obj), nil
	case reflect.Struct:
		cells, err := encodeStruct(rv)
		if err != nil {
			return nil, err
		}
		return structpb.NewStructValue(&structpb.Struct{Fields: cells}), nil
	default:
		return nil, fmt.Errorf("a %s cannot be a cell", rv.Type())
	}
}

// EncodeFields turns Go values into a record's cells, keyed by field name:
// a map with string keys (such as map[string]any), each value as
// EncodeValue turns it, or a struct (or pointer to one) whose fields are
// tagged with the record field's name:
//
//	type Product struct {
//		Name     string    `pyairtable:"Name"`
//		Price    float64   `pyairtable:"Price,omitempty"`
//		InStock  bool      `pyairtable:"In stock,omitempty"`
//		Released time.Time `pyairtable:"Released,date,omitempty"`
//		Tags     []string  `pyairtable:"Tags,omitempty"`
//		Note     *string   `pyairtable:"Note"`
//	}
//
// Only tagged fields are cells; "-" skips a field. Options after the name:
// omitempty leaves the cell out when the value is its type's zero (so the
// write leaves it alone, or empty on create), and date writes a time.Time
// as a date ("YYYY-MM-DD") instead of a date-time. A nil pointer without
// omitempty sends null, which empties the cell.
func EncodeFields(v any) (map[string]*structpb.Value, error) {
	rv := reflect.ValueOf(v)
	for rv.IsValid() && (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface) {
		if rv.IsNil() {
			return nil, fmt.Errorf("pyairtable: cannot encode a nil %s as fields", rv.Type())
		}
		rv = rv.Elem()
	}
	switch {
	case !rv.IsValid():
		return nil, fmt.Errorf("pyairtable: cannot encode nil as fields")
	case rv.Kind() == reflect.Map && rv.Type().Key().Kind() == reflect.String:
		out := make(map[string]*structpb.Value, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			ev, err := encodeValue(it.Value(), false)
			if err != nil {
				return nil, fmt.Errorf("pyairtable: field %q: %w", it.Key().String(), err)
			}
			out[it.Key().String()] = ev
		}
		return out, nil
	case rv.Kind() == reflect.Struct && rv.Type() != timeType:
		out, err := encodeStruct(rv)
		if err != nil {
			return nil, fmt.Errorf("pyairtable: %w", err)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("pyairtable: cannot encode a %s as fields; want a map with string keys or a tagged struct", rv.Type())
	}
}

func encodeStruct(rv reflect.Value) (map[string]*structpb.Value, error) {
	fields := structFields(rv.Type())
	out := make(map[string]*structpb.Value, len(fields))
	for _, f := range fields {
		fv := rv.FieldByIndex(f.index)
		if f.omitEmpty && isEmptyValue(fv) {
			continue
		}
		ev, err := encodeValue(fv, f.date)
		if err != nil {
			return nil, fmt.Errorf("field %q (%s.%s): %w", f.name, rv.Type().Name(), f.goName, err)
		}
		out[f.name] = ev
	}
	return out, nil
}

// isEmptyValue is what omitempty leaves out: zero values, and empty
// slices and maps.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	default:
		return v.IsZero()
	}
}

// FieldMap turns a record's cells into plain Go values: null into nil,
// numbers into float64, text into string, bools into bool, lists into
// []any and objects into map[string]any, as encoding/json would.
func FieldMap(cells map[string]*structpb.Value) map[string]any {
	out := make(map[string]any, len(cells))
	for k, v := range cells {
		out[k] = v.AsInterface()
	}
	return out
}
