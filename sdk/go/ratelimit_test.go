package pyairtable_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	pyairtable "github.com/pyairtable/pyairtable/sdk/go"
	"github.com/pyairtable/pyairtable/server/config"
	"github.com/pyairtable/pyairtable/server/servertest"
)

// TestRateLimitIsWaitedOut calls a server that allows a token 1 call a
// second: a refused call carries the delay (RetryInfo), and the SDK waits
// at least that long before it tries again, unless the context ends
// sooner.
func TestRateLimitIsWaitedOut(t *testing.T) {
	t.Parallel()
	env := servertest.Start(t, servertest.Backends[0], func(c *config.Config) { c.RateLimit, c.RateBurst = 1, 1 })
	u := env.NewUser(t, "limited@example.com")
	ctx := context.Background()
	me := func(c *pyairtable.Client, ctx context.Context) error {
		_, err := c.Users.GetCurrentUser(ctx, connect.NewRequest(&userv1.GetCurrentUserRequest{}))
		return err
	}
	once := newClientAt(t, env.URL, u.Token, pyairtable.WithoutRetries())
	if err := me(once, ctx); err != nil {
		t.Fatalf("first call: %v", err)
	}
	err := me(once, ctx)
	refused := time.Now()
	delay, ok := pyairtable.RetryDelay(err)
	if !pyairtable.IsResourceExhausted(err) || pyairtable.Reason(err) != "RATE_LIMITED" || !ok || delay <= 0 || delay > time.Second {
		t.Fatalf("second call at once: %v (reason %q, delay %v, %v); want RESOURCE_EXHAUSTED, RATE_LIMITED, a delay up to 1s",
			err, pyairtable.Reason(err), delay, ok)
	}

	// A context shorter than the delay: the SDK gives up at once rather
	// than wait for a retry it cannot make.
	short, cancel := context.WithTimeout(ctx, delay/2)
	defer cancel()
	retrying := newClientAt(t, env.URL, u.Token)
	start := time.Now()
	if err := me(retrying, short); !pyairtable.IsResourceExhausted(err) {
		t.Fatalf("a call whose context ends before the delay: %v; want RESOURCE_EXHAUSTED", err)
	}
	if took := time.Since(start); took >= delay/2 {
		t.Fatalf("the SDK waited %v for a retry it could not make", took)
	}

	if err := me(retrying, ctx); err != nil {
		t.Fatalf("a retried call: %v", err)
	}
	if waited := time.Since(refused); waited < delay {
		t.Fatalf("the call succeeded %v after the refusal; the server asked for %v", waited, delay)
	}
	// Refused: the second call, the short one, and the retried call's
	// first attempt; waiting out the delay, its second attempt passed.
	if n := refusedCalls(t, env.URL); n != 3 {
		t.Fatalf("the server refused %d calls; want 3 (a retry sooner than the delay would be refused too)", n)
	}
}

// refusedCalls reads from the server's metrics how many GetCurrentUser
// calls it refused with RESOURCE_EXHAUSTED.
func refusedCalls(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(body)) {
		if strings.HasPrefix(line, "pyairtable_rpc_requests_total{") && strings.Contains(line, `code="resource_exhausted"`) &&
			strings.Contains(line, "GetCurrentUser") {
			n, err := strconv.Atoi(strings.TrimSpace(line[strings.LastIndexByte(line, ' ')+1:]))
			if err != nil {
				t.Fatalf("metrics line %q: %v", line, err)
			}
			return n
		}
	}
	return 0
}
