package filter

import (
	"slices"
	"strings"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
)

// Shorter names for the operators.
const (
	opEqual          = tablev1.Operator_OPERATOR_EQUAL
	opNotEqual       = tablev1.Operator_OPERATOR_NOT_EQUAL
	opLess           = tablev1.Operator_OPERATOR_LESS_THAN
	opLessOrEqual    = tablev1.Operator_OPERATOR_LESS_THAN_OR_EQUAL
	opGreater        = tablev1.Operator_OPERATOR_GREATER_THAN
	opGreaterOrEqual = tablev1.Operator_OPERATOR_GREATER_THAN_OR_EQUAL
	opContains       = tablev1.Operator_OPERATOR_CONTAINS
	opNotContains    = tablev1.Operator_OPERATOR_DOES_NOT_CONTAIN
	opStartsWith     = tablev1.Operator_OPERATOR_STARTS_WITH
	opEndsWith       = tablev1.Operator_OPERATOR_ENDS_WITH
	opEmpty          = tablev1.Operator_OPERATOR_IS_EMPTY
	opNotEmpty       = tablev1.Operator_OPERATOR_IS_NOT_EMPTY
	opAnyOf          = tablev1.Operator_OPERATOR_IS_ANY_OF
	opNoneOf         = tablev1.Operator_OPERATOR_IS_NONE_OF
	opHasAny         = tablev1.Operator_OPERATOR_HAS_ANY_OF
	opHasAll         = tablev1.Operator_OPERATOR_HAS_ALL_OF
	opHasNone        = tablev1.Operator_OPERATOR_HAS_NONE_OF
	opBefore         = tablev1.Operator_OPERATOR_BEFORE
	opAfter          = tablev1.Operator_OPERATOR_AFTER
	opOnOrBefore     = tablev1.Operator_OPERATOR_ON_OR_BEFORE
	opOnOrAfter      = tablev1.Operator_OPERATOR_ON_OR_AFTER
	opOn             = tablev1.Operator_OPERATOR_ON
	opWithin         = tablev1.Operator_OPERATOR_WITHIN
)

// The operator sets of the field types; docs/filters.md lists them and a
// test keeps the two in step.
var (
	emptiness  = []tablev1.Operator{opEmpty, opNotEmpty}
	textOps    = []tablev1.Operator{opEqual, opNotEqual, opContains, opNotContains, opStartsWith, opEndsWith, opAnyOf, opNoneOf, opEmpty, opNotEmpty}
	barcodeOps = []tablev1.Operator{opEqual, opNotEqual, opContains, opNotContains, opStartsWith, opEndsWith, opEmpty, opNotEmpty}
	compareOps = []tablev1.Operator{opEqual, opNotEqual, opLess, opLessOrEqual, opGreater, opGreaterOrEqual}
	numberOps  = append(slices.Clone(compareOps), emptiness...)
	dateOps    = []tablev1.Operator{opBefore, opAfter, opOnOrBefore, opOnOrAfter, opOn, opWithin}
	dayOps     = append(slices.Clone(dateOps), emptiness...)
	selectOps  = []tablev1.Operator{opEqual, opNotEqual, opAnyOf, opNoneOf, opEmpty, opNotEmpty}
	multiOps   = []tablev1.Operator{opEqual, opHasAny, opHasAll, opHasNone, opEmpty, opNotEmpty}
	userOps    = []tablev1.Operator{opEqual, opNotEqual, opAnyOf, opNoneOf, opEmpty, opNotEmpty}
	checkOps   = []tablev1.Operator{opEqual, opNotEqual}
)

// operatorsOf maps each field type to the operators its conditions take.
// Computed types that always have a value (auto number, created and last
// modified time) do not take IS_EMPTY and IS_NOT_EMPTY.
var operatorsOf = map[tablev1.FieldType][]tablev1.Operator{
	tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT:   textOps,
	tablev1.FieldType_FIELD_TYPE_LONG_TEXT:          textOps,
	tablev1.FieldType_FIELD_TYPE_EMAIL:              textOps,
	tablev1.FieldType_FIELD_TYPE_URL:                textOps,
	tablev1.FieldType_FIELD_TYPE_PHONE_NUMBER:       textOps,
	tablev1.FieldType_FIELD_TYPE_NUMBER:             numberOps,
	tablev1.FieldType_FIELD_TYPE_CURRENCY:           numberOps,
	tablev1.FieldType_FIELD_TYPE_PERCENT:            numberOps,
	tablev1.FieldType_FIELD_TYPE_RATING:             numberOps,
	tablev1.FieldType_FIELD_TYPE_DURATION:           numberOps,
	tablev1.FieldType_FIELD_TYPE_CHECKBOX:           checkOps,
	tablev1.FieldType_FIELD_TYPE_DATE:               dayOps,
	tablev1.FieldType_FIELD_TYPE_DATE_TIME:          dayOps,
	tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT:      selectOps,
	tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS:   multiOps,
	tablev1.FieldType_FIELD_TYPE_COLLABORATOR:       userOps,
	tablev1.FieldType_FIELD_TYPE_JSON:               emptiness,
	tablev1.FieldType_FIELD_TYPE_BARCODE:            barcodeOps,
	tablev1.FieldType_FIELD_TYPE_ATTACHMENT:         emptiness,
	tablev1.FieldType_FIELD_TYPE_AUTO_NUMBER:        compareOps,
	tablev1.FieldType_FIELD_TYPE_CREATED_TIME:       dateOps,
	tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_TIME: dateOps,
	tablev1.FieldType_FIELD_TYPE_CREATED_BY:         userOps,
	tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_BY:   userOps,
}

// Operators returns the operators a condition on a field of the type may
// use, in the enum's order; none for a type the package does not know.
func Operators(kind tablev1.FieldType) []tablev1.Operator {
	ops := slices.Clone(operatorsOf[kind])
	slices.Sort(ops)
	return ops
}

// Allowed reports whether a condition on a field of the type may use the
// operator.
func Allowed(kind tablev1.FieldType, op tablev1.Operator) bool {
	return slices.Contains(operatorsOf[kind], op)
}

// Sortable reports whether records can be sorted by a field of the type:
// every type but JSON and attachment (and types the package does not know).
func Sortable(kind tablev1.FieldType) bool {
	_, known := operatorsOf[kind]
	return known && kind != tablev1.FieldType_FIELD_TYPE_JSON && kind != tablev1.FieldType_FIELD_TYPE_ATTACHMENT
}

// operand says what an operator compares cells with.
type operand int

const (
	noOperand    operand = iota // IS_EMPTY, IS_NOT_EMPTY
	oneValue                    // a single value
	listValue                   // a list of values
	dateOperand                 // a DateOperand
	rangeOperand                // a DateRange
)

// operandOf returns what the operator takes on a field of the type.
func operandOf(kind tablev1.FieldType, op tablev1.Operator) operand {
	switch op {
	case opEmpty, opNotEmpty:
		return noOperand
	case opAnyOf, opNoneOf, opHasAny, opHasAll, opHasNone:
		return listValue
	case opBefore, opAfter, opOnOrBefore, opOnOrAfter, opOn:
		return dateOperand
	case opWithin:
		return rangeOperand
	case opEqual:
		if kind == tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS {
			return listValue
		}
	}
	return oneValue
}

// family groups the field types that filter and sort alike.
type family int

const (
	familyText     family = iota + 1 // text in a TEXT column
	familyBarcode                    // the "text" of a JSON object
	familyNumber                     // a number column
	familyCheckbox                   // a boolean column
	familyDate                       // a calendar date
	familyInstant                    // a timestamp
	familySelect                     // a choice id
	familyMulti                      // a JSON array of choice ids
	familyUser                       // a user id
	familyJSON                       // JSON: emptiness only
	familyList                       // a JSON array (attachments): emptiness only
)

func familyOf(kind tablev1.FieldType) family {
	switch kind {
	case tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT, tablev1.FieldType_FIELD_TYPE_LONG_TEXT,
		tablev1.FieldType_FIELD_TYPE_EMAIL, tablev1.FieldType_FIELD_TYPE_URL, tablev1.FieldType_FIELD_TYPE_PHONE_NUMBER:
		return familyText
	case tablev1.FieldType_FIELD_TYPE_BARCODE:
		return familyBarcode
	case tablev1.FieldType_FIELD_TYPE_NUMBER, tablev1.FieldType_FIELD_TYPE_CURRENCY, tablev1.FieldType_FIELD_TYPE_PERCENT,
		tablev1.FieldType_FIELD_TYPE_RATING, tablev1.FieldType_FIELD_TYPE_DURATION, tablev1.FieldType_FIELD_TYPE_AUTO_NUMBER:
		return familyNumber
	case tablev1.FieldType_FIELD_TYPE_CHECKBOX:
		return familyCheckbox
	case tablev1.FieldType_FIELD_TYPE_DATE:
		return familyDate
	case tablev1.FieldType_FIELD_TYPE_DATE_TIME, tablev1.FieldType_FIELD_TYPE_CREATED_TIME, tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_TIME:
		return familyInstant
	case tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT:
		return familySelect
	case tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS:
		return familyMulti
	case tablev1.FieldType_FIELD_TYPE_COLLABORATOR, tablev1.FieldType_FIELD_TYPE_CREATED_BY, tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_BY:
		return familyUser
	case tablev1.FieldType_FIELD_TYPE_JSON:
		return familyJSON
	case tablev1.FieldType_FIELD_TYPE_ATTACHMENT:
		return familyList
	}
	return 0
}

// operatorName is an operator's name without the enum prefix, for
// messages: "IS_ANY_OF".
func operatorName(op tablev1.Operator) string {
	return strings.TrimPrefix(op.String(), "OPERATOR_")
}

// typeName is a field type's name for messages: "single select".
func typeName(kind tablev1.FieldType) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(kind.String(), "FIELD_TYPE_"), "_", " "))
}
