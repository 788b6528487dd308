package pyairtable_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	pyairtable "github.com/pyairtable/pyairtable/sdk/go"
	"github.com/pyairtable/pyairtable/server/servertest"
)

var fastRetries = pyairtable.WithRetry(pyairtable.RetryPolicy{MaxAttempts: 3, InitialBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})

// TestRetriedWriteIsAppliedOnce loses the answer to a write that the
// server committed, over each protocol. Without retries the caller sees
// UNAVAILABLE although the records were written. With retries the SDK
// sends the write again with the same request id, and the server answers
// with the first response: the records exist once, with the ids returned.
// It runs on every backend, as the server keeps request ids in its
// database.
func TestRetriedWriteIsAppliedOnce(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			env := servertest.Start(t, b)
			u := env.NewUser(t, "retry@example.com")
			for _, p := range protocols {
				t.Run(string(p), func(t *testing.T) {
					retriedWriteIsAppliedOnce(t, env.URL, u.Token, p)
				})
			}
		})
	}
}

func retriedWriteIsAppliedOnce(t *testing.T, url, tok string, p pyairtable.Protocol) {
	ctx := context.Background()
	direct := newClientAt(t, url, tok)
	table := newTable(t, direct, "Retries over "+string(p))
	proxy := newCutProxy(t, url, p == pyairtable.GRPC)
	input := func(names ...string) *datav1.CreateRecordsRequest {
		req := &datav1.CreateRecordsRequest{TableId: table}
		for _, n := range names {
			req.Records = append(req.Records, &datav1.RecordInput{Fields: mustFields(t, map[string]any{"Name": n})})
		}
		return req
	}

	// The control: the lost answer's write did commit.
	once := newClientAt(t, proxy.URL, tok, pyairtable.WithProtocol(p), pyairtable.WithoutRetries())
	proxy.loseNext(1)
	_, err := once.Records.CreateRecords(ctx, connect.NewRequest(input("Pen", "Lamp")))
	if !pyairtable.IsUnavailable(err) || proxy.cuts.Load() != 1 {
		t.Fatalf("a lost answer without retries gave %v after %d cuts; want UNAVAILABLE after 1", err, proxy.cuts.Load())
	}
	if n := count(t, direct, table); n != 2 {
		t.Fatalf("%d records after the lost answer; want the 2 written", n)
	}

	retrying := newClientAt(t, proxy.URL, tok, pyairtable.WithProtocol(p), fastRetries)
	req := input("Mug", "Bowl", "Cup")
	proxy.loseNext(1)
	resp, err := retrying.Records.CreateRecords(ctx, connect.NewRequest(req))
	if err != nil {
		t.Fatalf("retried write: %v", err)
	}
	if proxy.cuts.Load() != 2 {
		t.Fatalf("the proxy lost %d answers; want the first attempt's lost", proxy.cuts.Load()-1)
	}
	if req.GetRequestId() != "" {
		t.Fatalf("the SDK changed the caller's request: request_id %q", req.GetRequestId())
	}
	if n := count(t, direct, table); n != 5 {
		t.Fatalf("%d records after a retried write of 3; want 5 (written once)", n)
	}
	var stored []string
	for rec, err := range direct.ListAllRecords(ctx, &datav1.ListRecordsRequest{TableId: table}) {
		if err != nil {
			t.Fatal(err)
		}
		if name := rec.GetFields()["Name"].GetStringValue(); name == "Mug" || name == "Bowl" || name == "Cup" {
			stored = append(stored, rec.GetId())
		}
	}
	var returned []string
	for _, r := range resp.Msg.GetRecords() {
		returned = append(returned, r.GetId())
	}
	if !slices.Equal(returned, stored) {
		t.Fatalf("the retry returned records %v; the table holds %v: want the first response's", returned, stored)
	}

	// A read is retried too.
	proxy.loseNext(1)
	me, err := retrying.Users.GetCurrentUser(ctx, connect.NewRequest(&userv1.GetCurrentUserRequest{}))
	if err != nil || me.Msg.GetUser().GetEmail() != "retry@example.com" || proxy.cuts.Load() != 3 {
		t.Fatalf("retried read: %v, %v after %d cuts", me, err, proxy.cuts.Load())
	}
}

// TestRetriesStopAtMaxAttempts loses every answer: the SDK gives up after
// the configured attempts, and the write was still applied once.
func TestRetriesStopAtMaxAttempts(t *testing.T) {
	ctx := context.Background()
	direct := newClient(t)
	table := newTable(t, direct, "Retries run out")
	proxy := newCutProxy(t, serverURL, false)
	c := newClientAt(t, proxy.URL, token, fastRetries)
	proxy.loseNext(100)
	_, err := c.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{TableId: table,
		Records: []*datav1.RecordInput{{Fields: mustFields(t, map[string]any{"Name": "Pen"})}}}))
	if !pyairtable.IsUnavailable(err) {
		t.Fatalf("every answer lost gave %v; want UNAVAILABLE", err)
	}
	if got := proxy.cuts.Load(); got != 3 {
		t.Fatalf("%d attempts; want MaxAttempts = 3", got)
	}
	if n := count(t, direct, table); n != 1 {
		t.Fatalf("%d records after 3 attempts of one write; want 1", n)
	}
}

// TestRetryWaitEndsWithTheContext cancels a call while the SDK waits to
// retry it: the call ends at once with CANCELED.
func TestRetryWaitEndsWithTheContext(t *testing.T) {
	proxy := newCutProxy(t, serverURL, false)
	c := newClientAt(t, proxy.URL, token, pyairtable.WithRetry(pyairtable.RetryPolicy{MaxAttempts: 10, InitialBackoff: 5 * time.Second, MaxBackoff: 5 * time.Second}))
	proxy.loseNext(100)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Users.GetCurrentUser(ctx, connect.NewRequest(&userv1.GetCurrentUserRequest{}))
	if pyairtable.Code(err) != connect.CodeCanceled || !errors.Is(err, context.Canceled) {
		t.Fatalf("a call canceled while waiting to retry: %v; want CANCELED wrapping context.Canceled", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("the call ended %v after it began; want soon after the cancel", took)
	}
}

// TestTimeoutBoundsTheCall loses every answer of a client with a timeout:
// the call, retries included, ends within it.
func TestTimeoutBoundsTheCall(t *testing.T) {
	proxy := newCutProxy(t, serverURL, true)
	c := newClientAt(t, proxy.URL, token, pyairtable.WithProtocol(pyairtable.GRPC), pyairtable.WithTimeout(300*time.Millisecond),
		pyairtable.WithRetry(pyairtable.RetryPolicy{MaxAttempts: 1000, InitialBackoff: 20 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}))
	proxy.loseNext(1 << 20)
	start := time.Now()
	_, err := c.Users.GetCurrentUser(context.Background(), connect.NewRequest(&userv1.GetCurrentUserRequest{}))
	took := time.Since(start)
	if err == nil || took > 2*time.Second || proxy.cuts.Load() < 2 {
		t.Fatalf("every answer lost, 300ms timeout: %v after %v and %d attempts; want an error after some retries, within the timeout", err, took, proxy.cuts.Load())
	}
}
