// Package ratelimit limits requests per key: the server keys by token id, or
// by client IP for unauthenticated calls.
//
// Both implementations use the generic cell rate algorithm (GCRA), which
// behaves like a token bucket that holds Burst tokens and gains one every
// Per/Requests, but stores a single timestamp per key: the theoretical
// arrival time (TAT) of the next request at the sustained rate. A request is
// allowed when it does not arrive earlier than TAT - Burst*interval + interval,
// and then pushes TAT one interval further. A key whose TAT lies in the past
// has a full bucket, so it can be forgotten: idle keys cost nothing.
//
// NewMemory limits within one process; NewRedis shares the budget among all
// processes that use the same Redis, with one atomic Lua script that reads
// the clock of the Redis server, so the clocks of the app servers do not
// matter.
package ratelimit

import (
	"context"
	"fmt"
	"time"
)

// Rate is a limit: Requests per Per on average, with up to Burst requests
// back to back after the key has been idle. One more request becomes
// available every Per/Requests, never more than Burst at a time.
// For example Rate{Requests: 600, Per: time.Minute, Burst: 100} sustains ten
// requests a second and lets an idle client send 100 at once.
// Burst below 1 counts as 1.
type Rate struct {
	// Requests is how many requests are allowed per Per, on average.
	Requests int
	// Per is the period Requests refers to.
	Per time.Duration
	// Burst is how many requests an idle key may send back to back.
	Burst int
}

// interval is the time it takes for one request to become available again.
func (r Rate) interval() time.Duration {
	return max(r.Per/time.Duration(r.Requests), 1)
}

func (r Rate) burst() int { return max(r.Burst, 1) }

func (r Rate) check() {
	if r.Requests <= 0 || r.Per <= 0 {
		panic(fmt.Sprintf("ratelimit: invalid rate %+v: Requests and Per must be positive", r))
	}
}

// Decision is the outcome of one Allow.
type Decision struct {
	// Allowed reports whether the request may proceed.
	Allowed bool
	// Remaining is how many more requests would be allowed right now, after
	// this one; zero when refused.
	Remaining int
	// RetryAfter is zero when allowed. When refused it is how long until one
	// more request would be allowed; it is at most Per/Requests.
	RetryAfter time.Duration
}

// Limiter decides whether a request for a key may proceed. A request that is
// refused does not use up any budget. Implementations are safe for concurrent
// use.
type Limiter interface {
	// Allow counts one request for key and reports whether it may proceed.
	Allow(ctx context.Context, key string) (Decision, error)
}
