// Package cache is a small key/value cache for look-ups that are expensive in
// the database, such as personal access tokens, schemas and sessions.
//
// The database stays the source of truth. The usual pattern is: Get; on a miss
// load from the database and Fill; after a write that changes the loaded data,
// Invalidate. Invalidate leaves a tombstone that makes later Fills of the same
// key no-ops for a while, so a reader that loaded old data just before a
// concurrent write cannot put that old data back into the cache.
//
// Two implementations serve the same interface: NewMemory keeps entries in
// the process, NewRedis shares them through Redis with client-side caching,
// so that repeated Gets are answered from process memory and an Invalidate
// in one process reaches every other process at once.
package cache

import (
	"context"
	"errors"
	"time"
)

// Cache stores byte values under string keys. Implementations are safe for
// concurrent use.
type Cache interface {
	// Get returns the cached value. ok is false on a miss (absent, expired
	// or invalidated). The returned slice belongs to the caller.
	Get(ctx context.Context, key string) (val []byte, ok bool, err error)
	// Fill stores a value loaded from the database for ttl (capped at the
	// cache's maximum TTL). It does not overwrite the tombstone left by
	// Invalidate: Fill after Invalidate(key), within the tombstone lifetime,
	// is a no-op. An existing value is overwritten.
	Fill(ctx context.Context, key string, val []byte, ttl time.Duration) error
	// Invalidate drops the keys everywhere: on every process that shares the
	// same store, the next Get misses.
	Invalidate(ctx context.Context, keys ...string) error
	// Settle replaces the tombstones of keys with ones that live d, once
	// the change they guard has committed (or rolled back): a reader that
	// loaded data before then has d to Fill it, and is refused; Fills
	// after d store again. Without Settle a tombstone lives MaxTTL +
	// TombstoneMargin. A key without a tombstone gets one that lives d.
	// Settle does not know which change made a tombstone: writers of one
	// key must be serialised (as schema changes are, by the table's lock)
	// or each must Settle after its own commit, which drops what a reader
	// filled meanwhile.
	Settle(ctx context.Context, d time.Duration, keys ...string) error
}

const (
	// DefaultMaxTTL caps the ttl given to Fill unless WithMaxTTL says otherwise.
	DefaultMaxTTL = 5 * time.Minute
	// TombstoneMargin is how much longer a tombstone lives than the maximum
	// TTL. A tombstone outlives every value that may have been cached
	// anywhere before the invalidation, even if an invalidation message was
	// lost, and it covers any load from the database that began before the
	// invalidation. The price: an invalidated key is not cached again until
	// its tombstone expires (MaxTTL + TombstoneMargin; 6 minutes by default).
	TombstoneMargin = time.Minute
	// DefaultMaxEntries bounds an in-process cache unless WithMaxEntries says
	// otherwise.
	DefaultMaxEntries = 100_000
)

// ErrBadTTL is returned by Fill for a ttl that is not positive.
var ErrBadTTL = errors.New("cache: ttl must be positive")

// ErrReservedValue is returned by Fill for a value that equals the internal
// tombstone marker, which Redis caches cannot store. In-process caches refuse
// it as well, so that both behave alike.
var ErrReservedValue = errors.New("cache: value is reserved")

// tombstone marks an invalidated key in Redis. Fill refuses to store it.
const tombstone = "\x00pyairtable-cache-tombstone"

// Option tunes a cache.
type Option func(*options)

type options struct {
	maxTTL     time.Duration
	maxEntries int
}

// WithMaxTTL sets the ceiling for the ttl given to Fill (default
// DefaultMaxTTL). Tombstones live d + TombstoneMargin. Values d <= 0 are ignored.
func WithMaxTTL(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.maxTTL = d
		}
	}
}

// WithMaxEntries bounds the number of entries, tombstones included, that an
// in-process cache keeps (default DefaultMaxEntries). Redis caches ignore it.
// Values n <= 0 are ignored.
func WithMaxEntries(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxEntries = n
		}
	}
}

func buildOptions(opts []Option) options {
	o := options{maxTTL: DefaultMaxTTL, maxEntries: DefaultMaxEntries}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

func (o options) tombstoneTTL() time.Duration { return o.maxTTL + TombstoneMargin }

// checkFill validates the arguments of Fill and returns the capped ttl.
func (o options) checkFill(val []byte, ttl time.Duration) (time.Duration, error) {
	if ttl <= 0 {
		return 0, ErrBadTTL
	}
	if string(val) == tombstone {
		return 0, ErrReservedValue
	}
	return min(ttl, o.maxTTL), nil
}
