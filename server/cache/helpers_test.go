package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/redis/rueidis"
)

// redisURL is the Redis the tests use; they fail, never skip, without it.
func redisURL() string {
	if u := os.Getenv("PYAIRTABLE_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// openClient connects a new client, as a separate server process would.
func openClient(t *testing.T) rueidis.Client {
	t.Helper()
	client, err := OpenRedis(redisURL())
	if err != nil {
		t.Fatalf("Redis at %s is required by these tests: %v", redisURL(), err)
	}
	t.Cleanup(client.Close)
	return client
}

// randomPrefix isolates one test's keys; its keys are deleted when it ends.
func randomPrefix(t *testing.T, client rueidis.Client) string {
	t.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	prefix := "test:cache:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() { deletePrefix(t, client, prefix) })
	return prefix
}

func deletePrefix(t *testing.T, client rueidis.Client, prefix string) {
	ctx := context.Background()
	var cursor uint64
	for {
		entry, err := client.Do(ctx, client.B().Scan().Cursor(cursor).Match(prefix+"*").Count(1000).Build()).AsScanEntry()
		if err != nil {
			t.Errorf("clean up %s: %v", prefix, err)
			return
		}
		for _, k := range entry.Elements {
			client.Do(ctx, client.B().Del().Key(k).Build())
		}
		if cursor = entry.Cursor; cursor == 0 {
			return
		}
	}
}

// backend builds caches of one implementation.
type backend struct {
	name string
	// clientSide is true when hits can be served from process memory in
	// front of a shared store.
	clientSide bool
	// pair returns two caches named name that model two server processes.
	// In-process caches do not span processes, so both are the same cache.
	pair func(t *testing.T, name string, m *Metrics, opts ...Option) (a, b Cache)
}

var backends = []backend{
	{
		name: "memory",
		pair: func(t *testing.T, name string, m *Metrics, opts ...Option) (Cache, Cache) {
			c := NewMemory(name, m, opts...)
			return c, c
		},
	},
	{
		name:       "redis",
		clientSide: true,
		pair: func(t *testing.T, name string, m *Metrics, opts ...Option) (Cache, Cache) {
			ca, cb := openClient(t), openClient(t)
			prefix := randomPrefix(t, ca)
			return NewRedis(ca, name, prefix, m, opts...), NewRedis(cb, name, prefix, m, opts...)
		},
	},
}

// forEachBackend runs one test body against every implementation.
func forEachBackend(t *testing.T, body func(t *testing.T, be backend)) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) { body(t, be) })
	}
}

// open returns one cache of the backend with fresh metrics.
func (be backend) open(t *testing.T, opts ...Option) (Cache, *Metrics) {
	m := NewMetrics(nil)
	c, _ := be.pair(t, "test", m, opts...)
	return c, m
}

func mustGet(t *testing.T, c Cache, key string) ([]byte, bool) {
	t.Helper()
	val, ok, err := c.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return val, ok
}
