package pyairtable

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"connectrpc.com/connect"

	commonv1 "github.com/pyairtable/pyairtable/gen/pyairtable/common/v1"
)

// Code returns the Connect code of an error returned by a call:
// connect.CodeNotFound and so on. It is 0 (no code) for a nil error and
// connect.CodeUnknown for an error that is not a Connect error.
func Code(err error) connect.Code {
	if err == nil {
		return 0
	}
	return connect.CodeOf(err)
}

// details returns the decoded details of a Connect error.
func details(err error) []any {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return nil
	}
	var out []any
	for _, d := range ce.Details() {
		if v, derr := d.Value(); derr == nil {
			out = append(out, v)
		}
	}
	return out
}

// ErrorInfo returns the server's ErrorInfo detail of an error (a reason
// and metadata), or nil when it has none.
func ErrorInfo(err error) *commonv1.ErrorInfo {
	for _, d := range details(err) {
		if info, ok := d.(*commonv1.ErrorInfo); ok {
			return info
		}
	}
	return nil
}

// Reason returns the machine-readable reason the server gave for an error,
// such as "NOT_FOUND", "UNIQUE_VIOLATION", "ETAG_MISMATCH" or
// "RATE_LIMITED"; "" when it gave none (or err is not from the server).
// Branch on reasons, not on messages: reasons are stable across releases.
func Reason(err error) string { return ErrorInfo(err).GetReason() }

// FieldViolation is one problem with one field of a request.
type FieldViolation struct {
	// Path names the field, such as `name` or `records[3].fields["Price"]`.
	Path string
	// Message says what is wrong, for a person.
	Message string
	// Rule is the id of the broken rule, such as "string.min_len"; may be
	// empty.
	Rule string
}

// FieldViolations returns the field violations of an INVALID_ARGUMENT
// error (the buf.validate.Violations detail), in the server's order; nil
// when there are none.
func FieldViolations(err error) []FieldViolation {
	var out []FieldViolation
	for _, d := range details(err) {
		vs, ok := d.(*validate.Violations)
		if !ok {
			continue
		}
		for _, v := range vs.GetViolations() {
			out = append(out, FieldViolation{Path: fieldPath(v.GetField()), Message: v.GetMessage(), Rule: v.GetRuleId()})
		}
	}
	return out
}

// fieldPath writes a protovalidate path as text: names joined by dots,
// list indexes as [3] and map keys as ["key"].
func fieldPath(fp *validate.FieldPath) string {
	var b strings.Builder
	for i, el := range fp.GetElements() {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(el.GetFieldName())
		switch sub := el.GetSubscript().(type) {
		case *validate.FieldPathElement_Index:
			b.WriteString("[" + strconv.FormatUint(sub.Index, 10) + "]")
		case *validate.FieldPathElement_StringKey:
			b.WriteString("[" + strconv.Quote(sub.StringKey) + "]")
		case *validate.FieldPathElement_IntKey:
			b.WriteString("[" + strconv.FormatInt(sub.IntKey, 10) + "]")
		case *validate.FieldPathElement_UintKey:
			b.WriteString("[" + strconv.FormatUint(sub.UintKey, 10) + "]")
		case *validate.FieldPathElement_BoolKey:
			b.WriteString("[" + strconv.FormatBool(sub.BoolKey) + "]")
		}
	}
	return b.String()
}

// RetryDelay returns how long the server asked the caller to wait before
// trying again (its RetryInfo detail, sent with rate limits), and whether
// it asked.
func RetryDelay(err error) (time.Duration, bool) {
	for _, d := range details(err) {
		if ri, ok := d.(*commonv1.RetryInfo); ok && ri.GetRetryDelay() != nil {
			return max(ri.GetRetryDelay().AsDuration(), 0), true
		}
	}
	return 0, false
}

// IsNotFound reports whether the thing named does not exist or the caller
// may not see it (NOT_FOUND).
func IsNotFound(err error) bool { return Code(err) == connect.CodeNotFound }

// IsPermissionDenied reports whether the caller may see but not do this
// (PERMISSION_DENIED): a missing token scope or too small a role.
func IsPermissionDenied(err error) bool { return Code(err) == connect.CodePermissionDenied }

// IsUnauthenticated reports whether the call had no valid credentials
// (UNAUTHENTICATED): no token, or a revoked, expired or mistyped one.
func IsUnauthenticated(err error) bool { return Code(err) == connect.CodeUnauthenticated }

// IsInvalidArgument reports whether the request was refused as malformed
// (INVALID_ARGUMENT); FieldViolations says which fields were wrong.
func IsInvalidArgument(err error) bool { return Code(err) == connect.CodeInvalidArgument }

// IsAlreadyExists reports whether the thing to create exists already
// (ALREADY_EXISTS).
func IsAlreadyExists(err error) bool { return Code(err) == connect.CodeAlreadyExists }

// IsFailedPrecondition reports whether the call does not fit the current
// state (FAILED_PRECONDITION), such as an etag mismatch, a unique
// violation or a deleted table; Reason says which.
func IsFailedPrecondition(err error) bool { return Code(err) == connect.CodeFailedPrecondition }

// IsResourceExhausted reports whether a limit was reached
// (RESOURCE_EXHAUSTED): a rate limit (see RetryDelay) or a size limit.
func IsResourceExhausted(err error) bool { return Code(err) == connect.CodeResourceExhausted }

// IsUnavailable reports whether the server could not be reached or was
// unavailable (UNAVAILABLE).
func IsUnavailable(err error) bool { return Code(err) == connect.CodeUnavailable }

// IsEtagMismatch reports whether a write was refused because the record or
// table changed since its etag was read (FAILED_PRECONDITION, reason
// ETAG_MISMATCH): read it again and decide.
func IsEtagMismatch(err error) bool {
	return IsFailedPrecondition(err) && Reason(err) == "ETAG_MISMATCH"
}
