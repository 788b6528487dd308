package cache

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func entries(c Cache) int {
	mc := c.(*memory)
	mc.mu.Lock()
	defer mc.mu.Unlock()
	return len(mc.entries)
}

func TestMemoryIsBounded(t *testing.T) {
	ctx := context.Background()
	c := NewMemory("test", nil, WithMaxEntries(16))
	for i := range 1000 {
		if err := c.Fill(ctx, fmt.Sprint(i), []byte("v"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if n := entries(c); n > 16 {
			t.Fatalf("after %d Fills the cache holds %d entries; want at most 16", i+1, n)
		}
	}
	if _, ok := mustGet(t, c, "999"); !ok {
		t.Fatal("the latest Fill was dropped")
	}
}

func TestMemoryEvictionKeepsTombstonesFirst(t *testing.T) {
	ctx := context.Background()
	c := NewMemory("test", nil, WithMaxEntries(8))
	if err := c.Invalidate(ctx, "dead"); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if err := c.Fill(ctx, fmt.Sprint(i), []byte("v"), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Fill(ctx, "dead", []byte("stale"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, ok := mustGet(t, c, "dead"); ok {
		t.Fatal("evicting values let a Fill overwrite a tombstone")
	}
}

func TestMemoryEvictedTombstoneStillBlocksFill(t *testing.T) {
	ctx := context.Background()
	c := NewMemory("test", nil, WithMaxEntries(4))
	for i := range 20 {
		if err := c.Invalidate(ctx, fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := entries(c); n > 4 {
		t.Fatalf("the cache holds %d entries; want at most 4", n)
	}
	// Some tombstones were dropped to stay bounded; Fill must still not
	// resurrect any invalidated key.
	for i := range 20 {
		k := fmt.Sprint(i)
		if err := c.Fill(ctx, k, []byte("stale"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if _, ok := mustGet(t, c, k); ok {
			t.Fatalf("Get(%s) after its tombstone was evicted and a Fill: want a miss", k)
		}
	}
}

func TestMemoryClearDropsValuesAndFencesFills(t *testing.T) {
	ctx := context.Background()
	c := NewMemory("t", nil)
	if err := c.Fill(ctx, "a", []byte("1"), time.Minute); err != nil {
		t.Fatal(err)
	}
	c.(Clearer).Clear(50 * time.Millisecond)
	if _, ok, _ := c.Get(ctx, "a"); ok {
		t.Fatal("value survived Clear")
	}
	_ = c.Fill(ctx, "a", []byte("stale"), time.Minute)
	if _, ok, _ := c.Get(ctx, "a"); ok {
		t.Fatal("Fill during the fence was kept")
	}
	time.Sleep(60 * time.Millisecond)
	_ = c.Fill(ctx, "a", []byte("fresh"), time.Minute)
	if v, ok, _ := c.Get(ctx, "a"); !ok || string(v) != "fresh" {
		t.Fatalf("after the fence: %q, %v", v, ok)
	}
}
