package pyairtable_test

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"

	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	pyairtable "github.com/pyairtable/pyairtable/sdk/go"
)

// TestOptionsAreChecked refuses bad options with clear errors.
func TestOptionsAreChecked(t *testing.T) {
	for name, tc := range map[string]struct {
		url  string
		opts []pyairtable.Option
	}{
		"no scheme":     {"localhost:8080", nil},
		"ftp":           {"ftp://localhost", nil},
		"protocol":      {serverURL, []pyairtable.Option{pyairtable.WithProtocol("soap")}},
		"batch size":    {serverURL, []pyairtable.Option{pyairtable.WithBatchSize(1001)}},
		"timeout":       {serverURL, []pyairtable.Option{pyairtable.WithTimeout(-1)}},
		"nil http":      {serverURL, []pyairtable.Option{pyairtable.WithHTTPClient(nil)}},
		"negative wait": {serverURL, []pyairtable.Option{pyairtable.WithRetry(pyairtable.RetryPolicy{InitialBackoff: -1})}},
	} {
		if _, err := pyairtable.New(tc.url, tc.opts...); err == nil {
			t.Errorf("%s: New succeeded; want an error", name)
		}
	}
}

// TestHeaders reads what the SDK sends on the wire: the token as a bearer
// credential and the user agent.
func TestHeaders(t *testing.T) {
	proxy := newCutProxy(t, serverURL, false)
	c := newClientAt(t, proxy.URL, token, pyairtable.WithProtocol(pyairtable.ConnectJSON), pyairtable.WithUserAgent("inventory-sync/1.0"))
	if _, err := c.Users.GetCurrentUser(context.Background(), connect.NewRequest(&userv1.GetCurrentUserRequest{})); err != nil {
		t.Fatal(err)
	}
	sent := strings.ToLower(proxy.Sent())
	for _, h := range []string{"authorization: bearer " + strings.ToLower(token) + "\r\n", "user-agent: inventory-sync/1.0\r\n"} {
		if !strings.Contains(sent, h) {
			t.Fatalf("the request lacks %q:\n%s", h, proxy.Sent())
		}
	}
}
