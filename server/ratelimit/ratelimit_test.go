package ratelimit

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fast refills one request every 100ms.
var fast = Rate{Requests: 10, Per: time.Second, Burst: 3}

func TestBurstThenRefusedThenRefilled(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		l := be.open(t, fast)
		for i := range fast.Burst {
			d := allow(t, l, "k")
			if want := fast.Burst - 1 - i; !d.Allowed || d.Remaining != want || d.RetryAfter != 0 {
				t.Fatalf("request %d: %+v; want allowed with %d remaining", i+1, d, want)
			}
		}
		d := allow(t, l, "k")
		if d.Allowed || d.Remaining != 0 {
			t.Fatalf("request after the burst: %+v; want refused", d)
		}
		if d.RetryAfter <= 0 || d.RetryAfter > 100*time.Millisecond {
			t.Fatalf("RetryAfter = %v; want in (0, 100ms]", d.RetryAfter)
		}
		time.Sleep(d.RetryAfter)
		if d := allow(t, l, "k"); !d.Allowed || d.Remaining != 0 {
			t.Fatalf("after waiting RetryAfter: %+v; want allowed with 0 remaining", d)
		}
		if d := allow(t, l, "k"); d.Allowed {
			t.Fatalf("second request after waiting for one: %+v; want refused", d)
		}
	})
}

func TestIdleKeyGetsFullBurstBack(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		l := be.open(t, fast)
		for range fast.Burst {
			allow(t, l, "k")
		}
		time.Sleep(time.Duration(fast.Burst) * 100 * time.Millisecond)
		if d := allow(t, l, "k"); !d.Allowed || d.Remaining != fast.Burst-1 {
			t.Fatalf("after idling for the whole burst: %+v; want allowed with %d remaining", d, fast.Burst-1)
		}
	})
}

func TestKeysAreIndependent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		l := be.open(t, fast)
		for range fast.Burst {
			allow(t, l, "a")
		}
		if d := allow(t, l, "a"); d.Allowed {
			t.Fatalf("key a after its burst: %+v; want refused", d)
		}
		if d := allow(t, l, "b"); !d.Allowed || d.Remaining != fast.Burst-1 {
			t.Fatalf("key b after key a's burst: %+v; want allowed with %d remaining", d, fast.Burst-1)
		}
	})
}

func TestProcessesShareBudget(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		slow := Rate{Requests: 1, Per: time.Minute, Burst: 3}
		a, b := be.pair(t, slow)
		for i, l := range []Limiter{a, b, a} {
			if d := allow(t, l, "k"); !d.Allowed {
				t.Fatalf("request %d: %+v; want allowed", i+1, d)
			}
		}
		for _, l := range []Limiter{a, b} {
			if d := allow(t, l, "k"); d.Allowed || d.RetryAfter <= 0 {
				t.Fatalf("request after the shared burst: %+v; want refused", d)
			}
		}
	})
}

func TestConcurrentRequests(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		// One request a minute comes back: within this test's run time
		// exactly Burst requests can be allowed, however slow the machine.
		rate := Rate{Requests: 1, Per: time.Minute, Burst: 10}
		a, b := be.pair(t, rate)
		var allowed, refused atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for g := range 50 {
			l := []Limiter{a, b}[g%2]
			wg.Go(func() {
				<-start
				d, err := l.Allow(context.Background(), "k")
				switch {
				case err != nil:
					t.Error(err)
				case d.Allowed:
					allowed.Add(1)
				default:
					refused.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if allowed.Load() != 10 || refused.Load() != 40 {
			t.Fatalf("allowed %d, refused %d; want 10, 40", allowed.Load(), refused.Load())
		}
	})
}

func TestInvalidRatePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("NewMemory accepted a rate of 0 requests")
		}
	}()
	NewMemory(Rate{Per: time.Second})
}

func TestMemoryForgetsIdleKeys(t *testing.T) {
	l := NewMemory(Rate{Requests: 1000, Per: time.Second, Burst: 1}).(*memory)
	for i := range minSweep {
		allow(t, l, strconv.Itoa(i))
	}
	time.Sleep(5 * time.Millisecond) // every key has its full burst back
	allow(t, l, "new")
	l.mu.Lock()
	n := len(l.tat)
	l.mu.Unlock()
	if n != 1 {
		t.Fatalf("the limiter holds %d keys; want 1 (idle keys dropped)", n)
	}
}

func TestRedisKeysExpireWhenIdle(t *testing.T) {
	client := openClient(t)
	prefix := randomPrefix(t, client)
	l := NewRedis(client, prefix, fast)
	allow(t, l, "k")
	allow(t, l, "k")
	pttl, err := client.Do(context.Background(), client.B().Pttl().Key(prefix+"k").Build()).AsInt64()
	if err != nil {
		t.Fatal(err)
	}
	// Two requests were counted: the key lives until both have come back.
	if pttl <= 100 || pttl > 200 {
		t.Fatalf("PTTL = %dms; want in (100ms, 200ms]", pttl)
	}
}
