package cache

import (
	"context"
	"sync"
	"time"
)

// memory is the in-process Cache: a map with expiry times and tombstones
// behind one mutex.
type memory struct {
	name string
	m    *Metrics
	opt  options

	mu      sync.Mutex
	entries map[string]entry
	// fence refuses every Fill until it passes. It is set when a live
	// tombstone had to be evicted to respect the size bound, so that the
	// evicted tombstone's promise still holds.
	fence time.Time
}

type entry struct {
	val     []byte
	tomb    bool
	expires time.Time
}

// NewMemory returns an in-process Cache named name (the "cache" label of its
// metrics). It holds at most WithMaxEntries entries, tombstones included:
// when full it drops expired entries, then arbitrary values, and only then
// tombstones; dropping a live tombstone refuses all Fills until that
// tombstone would have expired. m may be nil.
func NewMemory(name string, m *Metrics, opts ...Option) Cache {
	m.init(name)
	return &memory{name: name, m: m, opt: buildOptions(opts), entries: make(map[string]entry)}
}

func (c *memory) Get(_ context.Context, key string) ([]byte, bool, error) {
	now := time.Now()
	c.mu.Lock()
	e, found := c.entries[key]
	if found && !now.Before(e.expires) {
		delete(c.entries, key)
		found = false
	}
	var val []byte
	if found && !e.tomb {
		val = append([]byte{}, e.val...)
	}
	c.mu.Unlock()
	ok := found && !e.tomb
	c.m.get(c.name, ok, false)
	return val, ok, nil
}

func (c *memory) Fill(_ context.Context, key string, val []byte, ttl time.Duration) error {
	ttl, err := c.opt.checkFill(val, ttl)
	if err != nil {
		return err
	}
	now := time.Now()
	e := entry{val: append([]byte{}, val...), expires: now.Add(ttl)}
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Before(c.fence) {
		return nil
	}
	if old, found := c.entries[key]; found {
		if old.tomb && now.Before(old.expires) {
			return nil
		}
	} else {
		c.makeRoom(now)
	}
	c.entries[key] = e
	return nil
}

func (c *memory) Invalidate(_ context.Context, keys ...string) error {
	c.tombstones(c.opt.tombstoneTTL(), keys)
	c.m.invalidated(c.name, len(keys))
	return nil
}

func (c *memory) Settle(_ context.Context, d time.Duration, keys ...string) error {
	if d <= 0 {
		return ErrBadTTL
	}
	c.tombstones(d, keys)
	return nil
}

// tombstones puts a tombstone that lives d on each key.
func (c *memory) tombstones(d time.Duration, keys []string) {
	now := time.Now()
	e := entry{tomb: true, expires: now.Add(d)}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, key := range keys {
		if _, found := c.entries[key]; !found {
			c.makeRoom(now)
		}
		c.entries[key] = e
	}
}

// makeRoom frees space for one more entry. It runs only when the map is full
// and then frees an eighth of it, so its linear cost is paid once per
// maxEntries/8 insertions. The caller holds c.mu.
func (c *memory) makeRoom(now time.Time) {
	limit := c.opt.maxEntries
	if len(c.entries) < limit {
		return
	}
	for k, e := range c.entries {
		if !now.Before(e.expires) {
			delete(c.entries, k)
		}
	}
	target := limit - limit/8
	if target >= limit {
		target = limit - 1
	}
	for k, e := range c.entries {
		if len(c.entries) <= target {
			return
		}
		if !e.tomb {
			delete(c.entries, k)
		}
	}
	for k, e := range c.entries {
		if len(c.entries) <= target {
			return
		}
		delete(c.entries, k)
		if e.expires.After(c.fence) {
			c.fence = e.expires
		}
	}
}

// Clearer is implemented by caches that can drop every value at once.
type Clearer interface {
	// Clear drops every cached value and refuses Fills for fence, so a
	// reader that loaded data before the clear cannot put it back.
	Clear(fence time.Duration)
}

// Clear drops every value (tombstones stay) and refuses Fills for fence.
// A server without Redis calls it when another process changed credentials.
func (c *memory) Clear(fence time.Duration) {
	now := time.Now()
	c.mu.Lock()
	n := 0
	for k, e := range c.entries {
		if !e.tomb {
			delete(c.entries, k)
			n++
		}
	}
	if until := now.Add(fence); until.After(c.fence) {
		c.fence = until
	}
	c.mu.Unlock()
	c.m.invalidated(c.name, n)
}
