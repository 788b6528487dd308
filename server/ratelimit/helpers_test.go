package ratelimit

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
	opt, err := rueidis.ParseURL(redisURL())
	if err != nil {
		t.Fatalf("parse %s: %v", redisURL(), err)
	}
	client, err := rueidis.NewClient(opt)
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
	prefix := "test:ratelimit:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, err := client.Do(ctx, client.B().Keys().Pattern(prefix+"*").Build()).AsStrSlice()
		if err != nil {
			t.Errorf("clean up %s: %v", prefix, err)
		}
		for _, k := range keys {
			client.Do(ctx, client.B().Del().Key(k).Build())
		}
	})
	return prefix
}

// backend builds limiters of one implementation.
type backend struct {
	name string
	// pair returns two limiters with the same rate that model two server
	// processes. In-process limiters do not span processes, so both are the
	// same limiter.
	pair func(t *testing.T, rate Rate) (a, b Limiter)
}

var backends = []backend{
	{
		name: "memory",
		pair: func(t *testing.T, rate Rate) (Limiter, Limiter) {
			l := NewMemory(rate)
			return l, l
		},
	},
	{
		name: "redis",
		pair: func(t *testing.T, rate Rate) (Limiter, Limiter) {
			ca, cb := openClient(t), openClient(t)
			prefix := randomPrefix(t, ca)
			return NewRedis(ca, prefix, rate), NewRedis(cb, prefix, rate)
		},
	},
}

// forEachBackend runs one test body against every implementation.
func forEachBackend(t *testing.T, body func(t *testing.T, be backend)) {
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) { body(t, be) })
	}
}

func (be backend) open(t *testing.T, rate Rate) Limiter {
	l, _ := be.pair(t, rate)
	return l
}

func allow(t *testing.T, l Limiter, key string) Decision {
	t.Helper()
	d, err := l.Allow(context.Background(), key)
	if err != nil {
		t.Fatalf("Allow(%q): %v", key, err)
	}
	return d
}
