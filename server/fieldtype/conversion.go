package fieldtype

import (
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

// Conversion says what happens to the cells of a field whose type changes.
type Conversion int

// The conversions. docs/field-conversions.md shows the whole matrix.
const (
	// Converted means every valid value of the source type has a value in
	// the target type: no cell is cleared.
	Converted Conversion = iota + 1
	// Lossy means values that do not fit the target are cleared, cell by
	// cell; Convert reports each one so the caller can count them.
	Lossy
	// Refused means the type change is not allowed: Convert returns an
	// error.
	Refused
)

// String returns "converted", "lossy" or "refused".
func (c Conversion) String() string {
	switch c {
	case Converted:
		return "converted"
	case Lossy:
		return "lossy"
	case Refused:
		return "refused"
	}
	return "unknown"
}

// Groups of kinds the matrix below names.
var (
	textKinds    = kinds(tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT, tablev1.FieldType_FIELD_TYPE_LONG_TEXT)
	numberKinds  = kinds(tablev1.FieldType_FIELD_TYPE_NUMBER, tablev1.FieldType_FIELD_TYPE_CURRENCY, tablev1.FieldType_FIELD_TYPE_PERCENT, tablev1.FieldType_FIELD_TYPE_DURATION)
	wholeKinds   = kinds(tablev1.FieldType_FIELD_TYPE_RATING, tablev1.FieldType_FIELD_TYPE_AUTO_NUMBER)
	instantKinds = kinds(tablev1.FieldType_FIELD_TYPE_DATE_TIME, tablev1.FieldType_FIELD_TYPE_CREATED_TIME, tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_TIME)
	userKinds    = kinds(tablev1.FieldType_FIELD_TYPE_COLLABORATOR, tablev1.FieldType_FIELD_TYPE_CREATED_BY, tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_BY)
	selectKinds  = kinds(tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS)
)

// kinds makes a set of kinds.
func kinds(ks ...tablev1.FieldType) map[tablev1.FieldType]bool {
	m := make(map[tablev1.FieldType]bool, len(ks))
	for _, k := range ks {
		m[k] = true
	}
	return m
}

// union merges sets of kinds.
func union(sets ...map[tablev1.FieldType]bool) map[tablev1.FieldType]bool {
	m := map[tablev1.FieldType]bool{}
	for _, s := range sets {
		for k := range s {
			m[k] = true
		}
	}
	return m
}

// fullyConverted lists, per target type, the other source types whose
// every valid value converts. Any other pair into a writable type is
// Lossy.
var fullyConverted = func() map[tablev1.FieldType]map[tablev1.FieldType]bool {
	numeric := union(numberKinds, wholeKinds, kinds(tablev1.FieldType_FIELD_TYPE_CHECKBOX))
	// Sources whose text is short and of one line, and whose API value is a
	// small JSON value.
	short := union(numberKinds, wholeKinds, instantKinds, userKinds, kinds(
		tablev1.FieldType_FIELD_TYPE_EMAIL, tablev1.FieldType_FIELD_TYPE_CHECKBOX,
		tablev1.FieldType_FIELD_TYPE_DATE, tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT))
	everything := map[tablev1.FieldType]bool{}
	for n := range tablev1.FieldType_name {
		if n != 0 {
			everything[tablev1.FieldType(n)] = true
		}
	}
	delete(everything, tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS)
	return map[tablev1.FieldType]map[tablev1.FieldType]bool{
		tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT: everything,
		tablev1.FieldType_FIELD_TYPE_LONG_TEXT:        everything,
		tablev1.FieldType_FIELD_TYPE_PHONE_NUMBER: kinds(tablev1.FieldType_FIELD_TYPE_NUMBER, tablev1.FieldType_FIELD_TYPE_RATING,
			tablev1.FieldType_FIELD_TYPE_AUTO_NUMBER, tablev1.FieldType_FIELD_TYPE_DATE),
		tablev1.FieldType_FIELD_TYPE_NUMBER:       numeric,
		tablev1.FieldType_FIELD_TYPE_CURRENCY:     numeric,
		tablev1.FieldType_FIELD_TYPE_PERCENT:      numeric,
		tablev1.FieldType_FIELD_TYPE_DURATION:     numeric,
		tablev1.FieldType_FIELD_TYPE_RATING:       kinds(tablev1.FieldType_FIELD_TYPE_CHECKBOX),
		tablev1.FieldType_FIELD_TYPE_CHECKBOX:     union(numberKinds, wholeKinds),
		tablev1.FieldType_FIELD_TYPE_DATE:         instantKinds,
		tablev1.FieldType_FIELD_TYPE_DATE_TIME:    union(instantKinds, kinds(tablev1.FieldType_FIELD_TYPE_DATE)),
		tablev1.FieldType_FIELD_TYPE_COLLABORATOR: userKinds,
		tablev1.FieldType_FIELD_TYPE_JSON: union(short, kinds(tablev1.FieldType_FIELD_TYPE_JSON,
			tablev1.FieldType_FIELD_TYPE_BARCODE, tablev1.FieldType_FIELD_TYPE_ATTACHMENT)),
		tablev1.FieldType_FIELD_TYPE_BARCODE: short,
	}
}()

// lossyToItself lists the types whose own options can make a value invalid:
// a rating above a lowered maximum, a choice the target field lacks.
var lossyToItself = union(selectKinds, kinds(tablev1.FieldType_FIELD_TYPE_RATING))

// ConversionOf says what changing a field from one type to another does to
// its cells. Converting to a computed type is Refused (its values come from
// the record, not from cells); a type to itself (an options change) is
// Converted, except rating and the selects, which are Lossy; every other
// pair is Converted or Lossy as docs/field-conversions.md shows. Unknown
// kinds are Refused.
func ConversionOf(from, to tablev1.FieldType) Conversion {
	_, okFrom := Get(from)
	tt, okTo := Get(to)
	switch {
	case !okFrom || !okTo:
		return Refused
	case from == to && lossyToItself[to]:
		return Lossy
	case from == to:
		return Converted
	case tt.ReadOnly():
		return Refused
	case fullyConverted[to][from]:
		return Converted
	}
	return Lossy
}
