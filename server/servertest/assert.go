package servertest

import (
	"errors"
	"testing"

	"connectrpc.com/connect"

	commonv1 "github.com/pyairtable/pyairtable/gen/pyairtable/common/v1"
)

// Reason returns the ErrorInfo reason of a Connect error, or "".
func Reason(err error) string {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return ""
	}
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if derr != nil {
			continue
		}
		if info, ok := v.(*commonv1.ErrorInfo); ok {
			return info.GetReason()
		}
	}
	return ""
}

// WantCode fails the test unless err has the code (and, when given, the
// reason).
func WantCode(t testing.TB, err error, code connect.Code, reason ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("call succeeded; want %s", code)
	}
	if got := connect.CodeOf(err); got != code {
		t.Fatalf("code = %s (%v); want %s", got, err, code)
	}
	if len(reason) > 0 && Reason(err) != reason[0] {
		t.Fatalf("reason = %q (%v); want %q", Reason(err), err, reason[0])
	}
}

// NoErr fails the test on an error.
func NoErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}
