package cache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestMissFillHit(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		c, m := be.open(t)
		if _, ok := mustGet(t, c, "k"); ok {
			t.Fatal("Get before Fill: want a miss")
		}
		if err := c.Fill(ctx, "k", []byte("v1"), time.Minute); err != nil {
			t.Fatal(err)
		}
		val, ok := mustGet(t, c, "k")
		if !ok || string(val) != "v1" {
			t.Fatalf("Get after Fill = %q, %v; want v1, true", val, ok)
		}
		val[0] = 'X' // the caller owns the slice
		if val, _ := mustGet(t, c, "k"); string(val) != "v1" {
			t.Fatalf("Get after changing a returned slice = %q; want v1", val)
		}
		if h, ms := m.Hits("test"), m.Misses("test"); h != 2 || ms != 1 {
			t.Fatalf("hits, misses = %v, %v; want 2, 1", h, ms)
		}
	})
}

func TestFillOverwritesValue(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		c, _ := be.open(t)
		for _, v := range []string{"old", "new"} {
			if err := c.Fill(ctx, "k", []byte(v), time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		if val, ok := mustGet(t, c, "k"); !ok || string(val) != "new" {
			t.Fatalf("Get = %q, %v; want new, true", val, ok)
		}
	})
}

func TestFillRejectsBadInput(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		c, _ := be.open(t)
		if err := c.Fill(ctx, "k", []byte("v"), 0); !errors.Is(err, ErrBadTTL) {
			t.Fatalf("Fill with ttl 0: err = %v; want ErrBadTTL", err)
		}
		if err := c.Fill(ctx, "k", []byte(tombstone), time.Minute); !errors.Is(err, ErrReservedValue) {
			t.Fatalf("Fill with the tombstone marker: err = %v; want ErrReservedValue", err)
		}
		if _, ok := mustGet(t, c, "k"); ok {
			t.Fatal("a rejected Fill stored a value")
		}
	})
}

func TestTTLExpiry(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		// The second key's ttl is capped by the maximum TTL.
		c, _ := be.open(t, WithMaxTTL(300*time.Millisecond))
		if err := c.Fill(ctx, "short", []byte("v"), 150*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if err := c.Fill(ctx, "capped", []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"short", "capped"} {
			if _, ok := mustGet(t, c, k); !ok {
				t.Fatalf("Get(%s) right after Fill: want a hit", k)
			}
		}
		time.Sleep(200 * time.Millisecond)
		if _, ok := mustGet(t, c, "short"); ok {
			t.Fatal("Get(short) after its ttl: want a miss")
		}
		if _, ok := mustGet(t, c, "capped"); !ok {
			t.Fatal("Get(capped) before the maximum TTL: want a hit")
		}
		time.Sleep(150 * time.Millisecond)
		if _, ok := mustGet(t, c, "capped"); ok {
			t.Fatal("Get(capped) after the maximum TTL: want a miss")
		}
	})
}

func TestInvalidate(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		c, m := be.open(t)
		for _, k := range []string{"a", "b", "c"} {
			if err := c.Fill(ctx, k, []byte(k), time.Minute); err != nil {
				t.Fatal(err)
			}
			if _, ok := mustGet(t, c, k); !ok {
				t.Fatalf("Get(%s) after Fill: want a hit", k)
			}
		}
		if err := c.Invalidate(ctx, "a", "b"); err != nil {
			t.Fatal(err)
		}
		if got := m.Invalidations("test"); got != 2 {
			t.Fatalf("invalidations = %v; want 2", got)
		}
		for k, want := range map[string]bool{"a": false, "b": false, "c": true} {
			if _, ok := mustGet(t, c, k); ok != want {
				t.Fatalf("Get(%s) after Invalidate(a, b): hit = %v; want %v", k, ok, want)
			}
		}
		if h, ms := m.Hits("test"), m.Misses("test"); h != 4 || ms != 2 {
			t.Fatalf("hits, misses = %v, %v; want 4, 2", h, ms)
		}
	})
}

func TestFillAfterInvalidateIsNoop(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		c, _ := be.open(t)
		// A reader loaded "stale" before a writer invalidated; its late
		// Fill must not bring the stale value back.
		if err := c.Fill(ctx, "k", []byte("old"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := c.Invalidate(ctx, "k", "never-filled"); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"k", "never-filled"} {
			if err := c.Fill(ctx, k, []byte("stale"), time.Minute); err != nil {
				t.Fatal(err)
			}
			if val, ok := mustGet(t, c, k); ok {
				t.Fatalf("Get(%s) after Invalidate then Fill = %q; want a miss", k, val)
			}
		}
	})
}

func TestSettleShortensTombstone(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		c, _ := be.open(t)
		if err := c.Invalidate(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		const d = 150 * time.Millisecond
		if err := c.Settle(ctx, d, "k", "fresh"); err != nil {
			t.Fatal(err)
		}
		settled := time.Now()
		// Within d, a reader that loaded before the change is still refused,
		// on an invalidated key and on one that had no tombstone.
		for _, k := range []string{"k", "fresh"} {
			if err := c.Fill(ctx, k, []byte("stale"), time.Minute); err != nil {
				t.Fatal(err)
			}
			if val, ok := mustGet(t, c, k); ok && time.Since(settled) < d {
				t.Fatalf("Get(%s) within the settled tombstone = %q; want a miss", k, val)
			}
		}
		time.Sleep(time.Until(settled.Add(d + 50*time.Millisecond)))
		if err := c.Fill(ctx, "k", []byte("new"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if val, ok := mustGet(t, c, "k"); !ok || string(val) != "new" {
			t.Fatalf("Get after the settled tombstone expired = %q, %v; want \"new\"", val, ok)
		}
		if err := c.Settle(ctx, 0, "k"); !errors.Is(err, ErrBadTTL) {
			t.Fatalf("Settle(0) = %v; want ErrBadTTL", err)
		}
	})
}

func TestInvalidateReachesOtherProcess(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		m := NewMetrics(nil)
		a, b := be.pair(t, "test", m)
		if err := a.Fill(ctx, "k", []byte("v"), time.Minute); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if val, ok := mustGet(t, a, "k"); !ok || string(val) != "v" {
				t.Fatalf("process A Get = %q, %v; want v, true", val, ok)
			}
		}
		if be.clientSide {
			// The first Get went to Redis, the second was served locally.
			if got := m.LocalHits("test"); got != 1 {
				t.Fatalf("local hits = %v; want 1", got)
			}
		}
		if err := b.Invalidate(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		// Redis pushes the invalidation to A asynchronously; it must arrive
		// promptly.
		deadline := time.Now().Add(2 * time.Second)
		for {
			if _, ok := mustGet(t, a, "k"); !ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("process A still hits 2s after process B invalidated")
			}
			time.Sleep(time.Millisecond)
		}
		if err := a.Fill(ctx, "k", []byte("stale"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, ok := mustGet(t, b, "k"); ok {
			t.Fatal("process B hits after process A filled an invalidated key")
		}
	})
}

func TestConcurrentUse(t *testing.T) {
	forEachBackend(t, func(t *testing.T, be backend) {
		ctx := context.Background()
		a, b := be.pair(t, "test", NewMetrics(nil))
		keys := []string{"k0", "k1", "k2", "k3"}
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for g := range 16 {
			c := []Cache{a, b}[g%2]
			wg.Go(func() {
				for i := range 50 {
					k := keys[(g+i)%len(keys)]
					var err error
					switch i % 5 {
					case 0:
						err = c.Invalidate(ctx, k)
					case 1, 2:
						err = c.Fill(ctx, k, []byte("value of "+k), time.Minute)
					default:
						var val []byte
						var ok bool
						val, ok, err = c.Get(ctx, k)
						if err == nil && ok && string(val) != "value of "+k {
							err = fmt.Errorf("Get(%s) = %q", k, val)
						}
					}
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		// Every key has been invalidated; no Fill can bring a value back.
		for _, k := range keys {
			if err := a.Fill(ctx, k, []byte("value of "+k), time.Minute); err != nil {
				t.Fatal(err)
			}
			for _, c := range []Cache{a, b} {
				if _, ok := mustGet(t, c, k); ok {
					t.Fatalf("Get(%s) after concurrent invalidations and a Fill: want a miss", k)
				}
			}
		}
	})
}
