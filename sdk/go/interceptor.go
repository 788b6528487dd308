package pyairtable

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"connectrpc.com/connect"
)

// interceptor is the one interceptor every call of a Client goes through:
// it sends the token and user agent, gives writes a request id, bounds the
// call by the timeout and retries what is safe to retry.
type interceptor struct {
	token     string
	userAgent string
	timeout   time.Duration
	retry     RetryPolicy
}

var _ connect.Interceptor = (*interceptor)(nil)

func newInterceptor(s settings) *interceptor {
	return &interceptor{token: s.token, userAgent: s.userAgent, timeout: s.timeout, retry: s.retry.withDefaults()}
}

func (in *interceptor) setHeaders(h interface{ Set(k, v string) }) {
	if in.token != "" {
		h.Set("Authorization", "Bearer "+in.token)
	}
	if in.userAgent != "" {
		h.Set("User-Agent", in.userAgent)
	}
}

// WrapUnary runs a unary call: one attempt, then retries while the error
// is retryable, attempts remain and the context allows the wait.
func (in *interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		in.setHeaders(req.Header())
		if in.timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, in.timeout)
			defer cancel()
		}
		// A write gets its request id once, before the first attempt, so
		// every attempt carries the same one and the server applies it once.
		hasID, restore := ensureRequestID(req)
		defer restore()
		safe := hasID || isRead(req.Spec())
		for attempt := 1; ; attempt++ {
			resp, err := next(ctx, req)
			if err == nil {
				return resp, nil
			}
			if attempt >= in.retry.MaxAttempts || !retryable(err, safe) || ctx.Err() != nil {
				return nil, err
			}
			wait := in.backoff(attempt, err)
			if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
				// The wait alone would outlast the call: give up now.
				return nil, err
			}
			if werr := sleep(ctx, wait); werr != nil {
				return nil, connect.NewError(contextCode(werr), fmt.Errorf("%w while waiting to retry after: %v", werr, err))
			}
		}
	}
}

// WrapStreamingClient sends the token and user agent on streams; streams
// are not retried.
func (in *interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		conn := next(ctx, spec)
		in.setHeaders(conn.RequestHeader())
		return conn
	}
}

// WrapStreamingHandler leaves handlers alone: the interceptor is for clients.
func (in *interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// isRead reports whether the RPC is declared free of side effects.
func isRead(spec connect.Spec) bool {
	return spec.IdempotencyLevel == connect.IdempotencyNoSideEffects || spec.IdempotencyLevel == connect.IdempotencyIdempotent
}

// retryable reports whether another attempt may succeed where err failed.
// A rate limit (RESOURCE_EXHAUSTED with a retry delay) refused the call
// before it ran, so it is always retried. UNAVAILABLE, which is also what
// a broken connection becomes, is retried only when the call is safe to
// repeat: a read, or a write with a request id. So is ABORTED, which the
// server answers when a concurrent change made it roll the call back
// (reason CONCURRENT_UPDATE). Other RESOURCE_EXHAUSTED errors (a message
// too large) would fail the same way again.
func retryable(err error, safe bool) bool {
	switch connect.CodeOf(err) {
	case connect.CodeResourceExhausted:
		_, ok := RetryDelay(err)
		return ok
	case connect.CodeUnavailable, connect.CodeAborted:
		return safe
	default:
		return false
	}
}

// backoff returns the wait before attempt+1: a random time up to a bound
// that doubles with each attempt (full jitter), or at least the server's
// retry delay when it gave one.
func (in *interceptor) backoff(attempt int, err error) time.Duration {
	bound := in.retry.MaxBackoff
	if shift := attempt - 1; shift < 30 {
		bound = min(bound, in.retry.InitialBackoff<<shift)
	}
	jitter := time.Duration(rand.Int64N(int64(bound) + 1))
	if d, ok := RetryDelay(err); ok {
		// Never sooner than the server asked; a little later, at random,
		// so clients refused together do not return together.
		return d + jitter/4
	}
	return jitter
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// contextCode is the Connect code of a context's error.
func contextCode(err error) connect.Code {
	if errors.Is(err, context.DeadlineExceeded) {
		return connect.CodeDeadlineExceeded
	}
	return connect.CodeCanceled
}
