package pyairtable

import (
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/structpb"
)

// tagName is the struct tag that maps a Go field to a record field.
const tagName = "pyairtable"

// structField is a tagged field of a struct.
type structField struct {
	name      string // the record field's name
	goName    string
	index     []int
	omitEmpty bool
	date      bool
}

var structCache sync.Map // reflect.Type -> []structField

// structFields returns the tagged fields of a struct type.
func structFields(t reflect.Type) []structField {
	if cached, ok := structCache.Load(t); ok {
		return cached.([]structField)
	}
	var out []structField
	for i := range t.NumField() {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup(tagName)
		if !ok || tag == "-" || !sf.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		}
		f := structField{name: name, goName: sf.Name, index: sf.Index}
		for _, o := range strings.Split(opts, ",") {
			switch o {
			case "omitempty":
				f.omitEmpty = true
			case "date":
				f.date = true
			}
		}
		out = append(out, f)
	}
	structCache.Store(t, out)
	return out
}

// DecodeFields reads a record's cells into dst: a *map[string]any (as
// FieldMap), or a pointer to a struct with fields tagged as for
// EncodeFields. A tagged field takes the cell of its name (or, failing
// that, the cell whose name matches ignoring case); a field without a cell
// (an empty cell, an unchecked checkbox) or with a null one is set to its
// zero value (nil for a pointer). Cells without a tagged field are
// ignored.
//
// Conversions: text into strings; numbers into any integer (when whole
// and in range) or float type; bools into bools; "YYYY-MM-DD" or RFC 3339
// text into time.Time (a date becomes midnight UTC); lists into slices
// (multiple selects into []string); objects into maps with string keys or
// tagged structs; anything into *structpb.Value or any (as FieldMap). A
// cell that does not fit its Go field is an error naming both.
func DecodeFields(cells map[string]*structpb.Value, dst any) error {
	if m, ok := dst.(*map[string]any); ok && m != nil {
		*m = FieldMap(cells)
		return nil
	}
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("pyairtable: DecodeFields needs a non-nil pointer to a struct or a *map[string]any, not %T", dst)
	}
	if err := decodeStruct(cells, rv.Elem()); err != nil {
		return fmt.Errorf("pyairtable: %w", err)
	}
	return nil
}

func decodeStruct(cells map[string]*structpb.Value, rv reflect.Value) error {
	for _, f := range structFields(rv.Type()) {
		cell, ok := cells[f.name]
		if !ok {
			for k, v := range cells {
				if strings.EqualFold(k, f.name) {
					cell = v
					break
				}
			}
		}
		if err := decodeValue(cell, rv.FieldByIndex(f.index)); err != nil {
			return fmt.Errorf("field %q into %s.%s: %w", f.name, rv.Type().Name(), f.goName, err)
		}
	}
	return nil
}

// decodeValue sets dst from a cell value; a missing or null cell sets
// the zero value.
func decodeValue(v *structpb.Value, dst reflect.Value) error {
	if dst.Type() == valueType {
		dst.Set(reflect.ValueOf(v))
		return nil
	}
	if _, isNull := v.GetKind().(*structpb.Value_NullValue); v == nil || v.GetKind() == nil || isNull {
		dst.SetZero()
		return nil
	}
	if dst.Type() == timeType {
		s, ok := v.GetKind().(*structpb.Value_StringValue)
		if !ok {
			return fmt.Errorf("want a date as text, got %s", describe(v))
		}
		t, err := parseTime(s.StringValue)
		if err != nil {
			return err
		}
		dst.Set(reflect.ValueOf(t))
		return nil
	}
	switch dst.Kind() {
	case reflect.Pointer:
		elem := reflect.New(dst.Type().Elem())
		if err := decodeValue(v, elem.Elem()); err != nil {
			return err
		}
		dst.Set(elem)
		return nil
	case reflect.Interface:
		if dst.NumMethod() != 0 {
			return fmt.Errorf("cannot decode into %s", dst.Type())
		}
		dst.Set(reflect.ValueOf(v.AsInterface()))
		return nil
	case reflect.String:
		s, ok := v.GetKind().(*structpb.Value_StringValue)
		if !ok {
			return fmt.Errorf("want text, got %s", describe(v))
		}
		dst.SetString(s.StringValue)
		return nil
	case reflect.Bool:
		b, ok := v.GetKind().(*structpb.Value_BoolValue)
		if !ok {
			return fmt.Errorf("want true or false, got %s", describe(v))
		}
		dst.SetBool(b.BoolValue)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := wholeNumber(v)
		if err != nil {
			return err
		}
		if dst.OverflowInt(int64(n)) || n < math.MinInt64 || n >= math.MaxInt64 {
			return fmt.Errorf("%v does not fit %s", n, dst.Type())
		}
		dst.SetInt(int64(n))
		return nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := wholeNumber(v)
		if err != nil {
			return err
		}
		if n < 0 || n >= math.MaxUint64 || dst.OverflowUint(uint64(n)) {
			return fmt.Errorf("%v does not fit %s", n, dst.Type())
		}
		dst.SetUint(uint64(n))
		return nil
	case reflect.Float32, reflect.Float64:
		n, ok := v.GetKind().(*structpb.Value_NumberValue)
		if !ok {
			return fmt.Errorf("want a number, got %s", describe(v))
		}
		dst.SetFloat(n.NumberValue)
		return nil
	case reflect.Slice:
		if dst.Type().Elem().Kind() == reflect.Uint8 {
			s, ok := v.GetKind().(*structpb.Value_StringValue)
			if !ok {
				return fmt.Errorf("want base64 text, got %s", describe(v))
			}
			b, err := base64.StdEncoding.DecodeString(s.StringValue)
			if err != nil {
				return fmt.Errorf("want base64 text: %w", err)
			}
			dst.SetBytes(b)
			return nil
		}
		l, ok := v.GetKind().(*structpb.Value_ListValue)
		if !ok {
			return fmt.Errorf("want a list, got %s", describe(v))
		}
		items := l.ListValue.GetValues()
		out := reflect.MakeSlice(dst.Type(), len(items), len(items))
		for i, item := range items {
			if err := decodeValue(item, out.Index(i)); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		dst.Set(out)
		return nil
	case reflect.Map:
		obj, ok := v.GetKind().(*structpb.Value_StructValue)
		if !ok || dst.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("want an object, got %s", describe(v))
		}
		out := reflect.MakeMapWithSize(dst.Type(), len(obj.StructValue.GetFields()))
		for k, item := range obj.StructValue.GetFields() {
			ev := reflect.New(dst.Type().Elem()).Elem()
			if err := decodeValue(item, ev); err != nil {
				return fmt.Errorf("[%q]: %w", k, err)
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(dst.Type().Key()), ev)
		}
		dst.Set(out)
		return nil
	case reflect.Struct:
		obj, ok := v.GetKind().(*structpb.Value_StructValue)
		if !ok {
			return fmt.Errorf("want an object, got %s", describe(v))
		}
		return decodeStruct(obj.StructValue.GetFields(), dst)
	default:
		return fmt.Errorf("cannot decode into %s", dst.Type())
	}
}

func wholeNumber(v *structpb.Value) (float64, error) {
	n, ok := v.GetKind().(*structpb.Value_NumberValue)
	if !ok {
		return 0, fmt.Errorf("want a number, got %s", describe(v))
	}
	if n.NumberValue != math.Trunc(n.NumberValue) {
		return 0, fmt.Errorf("%v is not a whole number", n.NumberValue)
	}
	return n.NumberValue, nil
}

// parseTime reads a date ("YYYY-MM-DD", midnight UTC) or a date-time
// (RFC 3339).
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(DateLayout, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is neither a date (YYYY-MM-DD) nor a date-time (RFC 3339)", s)
}

// describe names a cell value's kind for messages.
func describe(v *structpb.Value) string {
	switch k := v.GetKind().(type) {
	case *structpb.Value_StringValue:
		return fmt.Sprintf("text %q", k.StringValue)
	case *structpb.Value_NumberValue:
		return fmt.Sprintf("the number %v", k.NumberValue)
	case *structpb.Value_BoolValue:
		return fmt.Sprintf("%v", k.BoolValue)
	case *structpb.Value_ListValue:
		return "a list"
	case *structpb.Value_StructValue:
		return "an object"
	default:
		return "null"
	}
}
