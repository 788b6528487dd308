package ratelimit

import (
	"context"
	"sync"
	"time"
)

// minSweep is the map size below which the in-process limiter never sweeps.
const minSweep = 1024

// memory is the in-process Limiter: one TAT per key behind a mutex.
type memory struct {
	interval time.Duration
	window   time.Duration // burst * interval

	mu      sync.Mutex
	tat     map[string]time.Time
	sweepAt int
}

// NewMemory returns a Limiter that keeps its state in this process. Keys are
// forgotten once idle long enough to have their full burst back, so memory
// stays proportional to the keys active within the last Burst*Per/Requests.
// It panics if rate.Requests or rate.Per is not positive.
func NewMemory(rate Rate) Limiter {
	rate.check()
	iv := rate.interval()
	return &memory{
		interval: iv,
		window:   iv * time.Duration(rate.burst()),
		tat:      make(map[string]time.Time),
		sweepAt:  minSweep,
	}
}

func (l *memory) Allow(_ context.Context, key string) (Decision, error) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	tat, known := l.tat[key]
	if !known || tat.Before(now) {
		tat = now
	}
	next := tat.Add(l.interval)
	allowAt := next.Add(-l.window)
	if now.Before(allowAt) {
		return Decision{RetryAfter: allowAt.Sub(now)}, nil
	}
	if !known {
		l.sweep(now)
	}
	l.tat[key] = next
	return Decision{Allowed: true, Remaining: int(now.Sub(allowAt) / l.interval)}, nil
}

// sweep drops idle keys when the map has doubled since the last sweep, which
// keeps the cost amortized constant per new key. The caller holds l.mu.
func (l *memory) sweep(now time.Time) {
	if len(l.tat) < l.sweepAt {
		return
	}
	for k, tat := range l.tat {
		if !tat.After(now) {
			delete(l.tat, k)
		}
	}
	l.sweepAt = max(2*len(l.tat), minSweep)
}
