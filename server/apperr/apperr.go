// Package apperr defines the errors domain packages return. A domain error
// carries a kind (what went wrong, in terms a caller can act on), a stable
// reason, a message for people and, for bad input, field violations. The API
// edge turns these into Connect errors in one place; domain packages never
// import Connect.
package apperr

import (
	"errors"
	"fmt"
	"strconv"
)

// Kind says what sort of failure an error is. Each kind maps to one Connect
// code at the edge.
type Kind int

// The kinds of failure.
const (
	// Internal is an unexpected failure. Its message is never shown.
	Internal Kind = iota
	// InvalidArgument means the request is malformed, whatever the state.
	InvalidArgument
	// NotFound means the object does not exist or the caller may not see it.
	NotFound
	// AlreadyExists means the object to create exists already.
	AlreadyExists
	// FailedPrecondition means the request is valid but the state refuses it.
	FailedPrecondition
	// PermissionDenied means the caller is known but may not do this.
	PermissionDenied
	// Unauthenticated means there are no valid credentials.
	Unauthenticated
	// ResourceExhausted means a limit or quota was reached.
	ResourceExhausted
	// Aborted means a concurrent change got in the way; retrying may work.
	Aborted
)

var kindNames = []string{"internal", "invalid_argument", "not_found", "already_exists", "failed_precondition",
	"permission_denied", "unauthenticated", "resource_exhausted", "aborted"}

// String returns the kind's name as a Connect code name, such as
// "failed_precondition".
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return "internal"
	}
	return kindNames[k]
}

// Violation names one bad field of a request.
type Violation struct {
	// Path is the field path, such as `records[3].fields["Price"]`.
	Path string
	// Rule is a short rule id, such as "string.max_len".
	Rule string
	// Message says what is wrong, for a person.
	Message string
}

// Error is a domain error.
type Error struct {
	Kind       Kind
	Reason     string
	Message    string
	Metadata   map[string]string
	Violations []Violation
	// Cause is the underlying error, kept for logs; never shown to callers.
	Cause error
}

// Error returns the message.
func (e *Error) Error() string {
	if e.Cause != nil && e.Kind == Internal {
		return e.Message + ": " + e.Cause.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// With adds a metadata entry and returns the error.
func (e *Error) With(key, value string) *Error {
	if e.Metadata == nil {
		e.Metadata = map[string]string{}
	}
	e.Metadata[key] = value
	return e
}

// New returns an error of the kind with a reason and a formatted message.
func New(kind Kind, reason, format string, args ...any) *Error {
	return &Error{Kind: kind, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// NotFoundf returns a NotFound error with reason NOT_FOUND.
func NotFoundf(format string, args ...any) *Error {
	return New(NotFound, "NOT_FOUND", format, args...)
}

// Invalid returns an InvalidArgument error about one field.
func Invalid(path, rule, message string) *Error {
	return &Error{
		Kind:       InvalidArgument,
		Reason:     "INVALID_ARGUMENT",
		Message:    path + ": " + message,
		Violations: []Violation{{Path: path, Rule: rule, Message: message}},
	}
}

// Wrap returns an Internal error around err, unless err is already an
// *Error, which is returned as it is.
func Wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Kind: Internal, Reason: "INTERNAL", Message: what, Cause: err}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// IsKind reports whether err is an *Error of the kind.
func IsKind(err error, kind Kind) bool {
	e, ok := As(err)
	return ok && e.Kind == kind
}

// Violations collects what is wrong with a request, so that every bad field
// is reported at once.
type Violations []Violation

// Add records one bad field.
func (vs *Violations) Add(path, rule, format string, args ...any) {
	*vs = append(*vs, Violation{Path: path, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil without violations, else one InvalidArgument error with
// the reason, holding them all; its message names the first.
func (vs Violations) Err(reason string) error {
	if len(vs) == 0 {
		return nil
	}
	msg := vs[0].Path + ": " + vs[0].Message
	if len(vs) > 1 {
		msg += " (and " + strconv.Itoa(len(vs)-1) + " more)"
	}
	return &Error{Kind: InvalidArgument, Reason: reason, Message: msg, Violations: vs}
}
