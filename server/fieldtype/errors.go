package fieldtype

import (
	"fmt"

	"github.com/pyairtable/pyairtable/server/apperr"
)

// Reasons of the errors this package returns.
const (
	// ReasonInvalidCell is the reason of an input cell the field refuses.
	ReasonInvalidCell = "INVALID_CELL_VALUE"
	// ReasonReadOnly is the reason of input to a computed field.
	ReasonReadOnly = "READ_ONLY_FIELD"
	// ReasonInvalidOptions is the reason of field options that are refused.
	ReasonInvalidOptions = "INVALID_FIELD_OPTIONS"
	// ReasonConversionRefused is the reason of a type change Convert refuses.
	ReasonConversionRefused = "CONVERSION_REFUSED"
)

// cellError is an InvalidArgument error about one input cell, with a single
// violation whose path the caller fills in (see AtPath).
func cellError(rule, format string, args ...any) *apperr.Error {
	msg := fmt.Sprintf(format, args...)
	return &apperr.Error{
		Kind:       apperr.InvalidArgument,
		Reason:     ReasonInvalidCell,
		Message:    msg,
		Violations: []apperr.Violation{{Rule: rule, Message: msg}},
	}
}

// AtPath places a cell error at path, such as `records[3].fields["Price"]`:
// it returns a copy whose violations carry the path and whose message starts
// with it. Errors that are not *apperr.Error are returned as they are.
func AtPath(err error, path string) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	out := *e
	out.Message = path + ": " + e.Message
	out.Violations = make([]apperr.Violation, len(e.Violations))
	for i, v := range e.Violations {
		v.Path = path + v.Path
		out.Violations[i] = v
	}
	return &out
}

// prefixCell returns a cell error whose message starts with prefix, such
// as "file 2: ".
func prefixCell(err error, prefix string) error {
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	out := *e
	out.Message = prefix + e.Message
	out.Violations = make([]apperr.Violation, len(e.Violations))
	for i, v := range e.Violations {
		v.Message = prefix + v.Message
		out.Violations[i] = v
	}
	return &out
}

// storedError is the Internal error of a stored value a type cannot read.
func storedError(kind string, stored any) error {
	return &apperr.Error{
		Kind:    apperr.Internal,
		Reason:  "INTERNAL",
		Message: "unreadable stored " + kind + " value",
		Cause:   fmt.Errorf("unexpected %T", stored),
	}
}
