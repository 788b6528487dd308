package cache

import "sync"

// Decoded keeps what cached values decode to, so that a hot value is
// decoded once rather than on every Get: Lookup answers only when the
// value is still the exact bytes it was decoded from. It holds at most
// maxDecoded entries and forgets them all when full, which costs a few
// decodes again. The zero value is ready to use. Decoded values are
// shared by every caller and must not be changed.
type Decoded[T any] struct {
	mu sync.Mutex
	m  map[string]decodedEntry[T]
}

type decodedEntry[T any] struct {
	raw string
	v   T
}

// maxDecoded bounds a Decoded.
const maxDecoded = 10_000

// Lookup returns what raw, cached under key, decodes to, if known.
func (d *Decoded[T]) Lookup(key string, raw []byte) (T, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.m[key]
	if !ok || e.raw != string(raw) {
		var zero T
		return zero, false
	}
	return e.v, true
}

// Store remembers that raw, cached under key, decodes to v.
func (d *Decoded[T]) Store(key string, raw []byte, v T) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil || len(d.m) >= maxDecoded {
		d.m = make(map[string]decodedEntry[T])
	}
	d.m[key] = decodedEntry[T]{raw: string(raw), v: v}
}

// Forget drops the entry of key.
func (d *Decoded[T]) Forget(key string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.m, key)
}
