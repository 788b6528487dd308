package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// stats are the timings of one measured run.
type stats struct {
	// n is how many calls were made; items how many things (records,
	// requests) they handled.
	n, items int
	wall     time.Duration
	p50, p99 time.Duration
}

// perSecond is the throughput of items.
func (s stats) perSecond() float64 { return float64(s.items) / s.wall.Seconds() }

// run makes total calls of fn with clients workers at once, each worker
// taking the next call number until none is left, and times each call and
// the whole. fn returns how many items the call handled. The first error
// stops the run.
func run(ctx context.Context, clients, total int, fn func(ctx context.Context, worker, i int) (int, error)) (stats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var items atomic.Int64
	durs := make([][]time.Duration, clients)
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	start := time.Now()
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= total || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				k, err := fn(ctx, w, i)
				d := time.Since(t0)
				if err != nil {
					once.Do(func() { first = fmt.Errorf("call %d: %w", i, err); cancel() })
					return
				}
				items.Add(int64(k))
				durs[w] = append(durs[w], d)
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	if first != nil {
		return stats{}, first
	}
	var all []time.Duration
	for _, d := range durs {
		all = append(all, d...)
	}
	slices.Sort(all)
	return stats{n: len(all), items: int(items.Load()), wall: wall, p50: percentile(all, 50), p99: percentile(all, 99)}, nil
}

// percentile returns the p-th percentile of sorted durations (nearest
// rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// warm makes a few calls first, untimed, so that connections, caches and
// query plans are ready for both sides alike.
func warm(ctx context.Context, clients, n int, fn func(ctx context.Context, worker, i int) (int, error)) error {
	_, err := run(ctx, clients, n, fn)
	return err
}
