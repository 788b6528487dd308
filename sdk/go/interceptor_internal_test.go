package pyairtable

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"

	commonv1 "github.com/pyairtable/pyairtable/gen/pyairtable/common/v1"
)

// rateLimited is the error the server's rate limiter answers with.
func rateLimited(delay time.Duration) error {
	ce := connect.NewError(connect.CodeResourceExhausted, errors.New("rate limit reached"))
	d, _ := connect.NewErrorDetail(&commonv1.RetryInfo{RetryDelay: durationpb.New(delay)})
	ce.AddDetail(d)
	return ce
}

func TestRetryable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		safe bool
		want bool
	}{
		{connect.NewError(connect.CodeUnavailable, errors.New("connection reset")), true, true},
		{connect.NewError(connect.CodeUnavailable, errors.New("connection reset")), false, false},
		{connect.NewError(connect.CodeAborted, errors.New("concurrent update")), true, true},
		{connect.NewError(connect.CodeAborted, errors.New("concurrent update")), false, false},
		{rateLimited(time.Second), false, true},
		{connect.NewError(connect.CodeResourceExhausted, errors.New("message too large")), true, false},
		{connect.NewError(connect.CodeInvalidArgument, errors.New("bad")), true, false},
		{connect.NewError(connect.CodeDeadlineExceeded, errors.New("late")), true, false},
		{errors.New("plain"), true, false},
	} {
		if got := retryable(tc.err, tc.safe); got != tc.want {
			t.Errorf("retryable(%v, safe=%v) = %v; want %v", tc.err, tc.safe, got, tc.want)
		}
	}
}

// TestBackoff checks full jitter: each wait lies between zero and a bound
// that doubles per attempt up to the maximum; a server's delay is a floor.
func TestBackoff(t *testing.T) {
	in := newInterceptor(settings{retry: RetryPolicy{MaxAttempts: 10, InitialBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}})
	unavailable := connect.NewError(connect.CodeUnavailable, errors.New("down"))
	for attempt, bound := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 60: time.Second} {
		var most time.Duration
		for range 500 {
			w := in.backoff(attempt, unavailable)
			if w < 0 || w > bound {
				t.Fatalf("attempt %d waited %v; want 0 to %v", attempt, w, bound)
			}
			most = max(most, w)
		}
		if most < bound/2 {
			t.Errorf("attempt %d: the longest of 500 waits was %v; want waits spread up to %v", attempt, most, bound)
		}
	}
	for range 100 {
		if w := in.backoff(1, rateLimited(3*time.Second)); w < 3*time.Second || w > 3*time.Second+in.retry.InitialBackoff {
			t.Fatalf("waited %v after a 3s retry delay; want 3s and a little jitter", w)
		}
	}
	if got := fmt.Sprint(in.retry); got != "{10 100ms 1s}" {
		t.Fatalf("policy %s", got)
	}
}
