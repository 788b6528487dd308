package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"

	authv1 "github.com/pyairtable/pyairtable/gen/pyairtable/auth/v1"
	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	"github.com/pyairtable/pyairtable/server/servertest"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

const getCurrentUser = "/pyairtable.user.v1.UserService/GetCurrentUser"

// jsonUser is the user in a GetCurrentUser response read as plain JSON.
type jsonUser struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Admin bool   `json:"admin"`
}

// currentUserJSON calls GetCurrentUser as curl would and returns the user.
func currentUserJSON(t *testing.T, p *proc, token string) jsonUser {
	t.Helper()
	resp, body := postJSON(t, p.url, getCurrentUser, token, "{}")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GetCurrentUser: status %d: %s", resp.StatusCode, body)
	}
	var out struct {
		User jsonUser `json:"user"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("GetCurrentUser: %v in %s", err, body)
	}
	if out.User.ID == "" {
		t.Fatalf("GetCurrentUser returned no user: %s", body)
	}
	return out.User
}

// currentUser calls GetCurrentUser with a generated client.
func currentUser(p *proc, token string) (*userv1.User, error) {
	resp, err := p.clients(token).Users.GetCurrentUser(context.Background(), connect.NewRequest(&userv1.GetCurrentUserRequest{}))
	if err != nil {
		return nil, err
	}
	return resp.Msg.GetUser(), nil
}

func mustCurrentUser(t *testing.T, p *proc, token string) *userv1.User {
	t.Helper()
	u, err := currentUser(p, token)
	if err != nil {
		t.Fatalf("GetCurrentUser on %s: %v", p.name, err)
	}
	return u
}

func TestBootstrapTokenCreate(t *testing.T) {
	t.Parallel()
	dbURL := storagetest.URL(t, storage.SQLite)
	srv := startServer(t, "server", sharedEnv(dbURL, false))
	hint := srv.waitLog(t, `the "no users yet" hint`, func(line string) bool {
		m, ok := logEntry(line)
		msg, _ := m["msg"].(string)
		return ok && strings.Contains(msg, "no users yet") && strings.Contains(msg, "token create")
	})
	t.Logf("hint: %s", hint)

	first := createToken(t, dbURL, "a@example.com")
	u1 := currentUserJSON(t, srv, first)
	if u1.Email != "a@example.com" || !u1.Admin {
		t.Fatalf("first user = %+v; want a@example.com, an administrator", u1)
	}

	second := createToken(t, dbURL, "a@example.com")
	if second == first || tokenID(second) == tokenID(first) {
		t.Fatalf("second token %q repeats the first %q", second, first)
	}
	u2 := currentUserJSON(t, srv, second)
	if u2 != u1 {
		t.Fatalf("second token's user = %+v; want %+v", u2, u1)
	}
	if again := currentUserJSON(t, srv, first); again != u1 {
		t.Fatalf("first token's user after the second token = %+v; want %+v", again, u1)
	}
}

func TestRevocationSeenByOtherProcess(t *testing.T) {
	t.Parallel()
	dbURL := storagetest.URL(t, storage.Postgres)
	ps := startServers(t, sharedEnv(dbURL, true), "A", "B")
	a, b := ps[0], ps[1]
	ctx := context.Background()

	admin := createToken(t, dbURL, "admin@example.com")
	created, err := a.clients(admin).Auth.CreateToken(ctx, connect.NewRequest(&authv1.CreateTokenRequest{
		Name: "to revoke", Scopes: []string{"users:read"},
	}))
	if err != nil {
		t.Fatalf("CreateToken on A: %v", err)
	}
	victim := created.Msg.GetSecret()

	hits := `pyairtable_cache_requests_total{cache="token",result="hit"}`
	before := b.metric(t, hits)
	mustCurrentUser(t, b, victim)
	mustCurrentUser(t, b, victim)
	if got := b.metric(t, hits); got < before+1 {
		t.Fatalf("B's token cache hits went from %v to %v over two calls; want the second call served from the cache", before, got)
	}

	if _, err := a.clients(admin).Auth.RevokeToken(ctx, connect.NewRequest(&authv1.RevokeTokenRequest{
		TokenId: tokenID(victim),
	})); err != nil {
		t.Fatalf("RevokeToken on A: %v", err)
	}
	_, err = currentUser(b, victim)
	servertest.WantCode(t, err, connect.CodeUnauthenticated, "INVALID_CREDENTIALS")
	_, err = currentUser(a, victim)
	servertest.WantCode(t, err, connect.CodeUnauthenticated, "INVALID_CREDENTIALS")
	mustCurrentUser(t, b, admin)
}

func TestDeactivationSeenByOtherProcess(t *testing.T) {
	t.Parallel()
	dbURL := storagetest.URL(t, storage.Postgres)
	ps := startServers(t, sharedEnv(dbURL, true), "A", "B")
	a, b := ps[0], ps[1]
	ctx := context.Background()

	admin := createToken(t, dbURL, "admin@example.com")
	if u := mustCurrentUser(t, a, admin); !u.GetAdmin() {
		t.Fatalf("first user %s is not an administrator", u.GetEmail())
	}
	userToken := createToken(t, dbURL, "u@example.com")
	u := mustCurrentUser(t, b, userToken)
	mustCurrentUser(t, b, userToken)

	resp, err := a.clients(admin).Users.DeactivateUser(ctx, connect.NewRequest(&userv1.DeactivateUserRequest{
		UserId: u.GetId(),
	}))
	if err != nil {
		t.Fatalf("DeactivateUser on A: %v", err)
	}
	if resp.Msg.GetUser().GetId() != u.GetId() {
		t.Fatalf("DeactivateUser returned %s; want %s", resp.Msg.GetUser().GetId(), u.GetId())
	}
	_, err = currentUser(b, userToken)
	servertest.WantCode(t, err, connect.CodeUnauthenticated, "INVALID_CREDENTIALS")
	_, err = currentUser(a, userToken)
	servertest.WantCode(t, err, connect.CodeUnauthenticated, "INVALID_CREDENTIALS")
	mustCurrentUser(t, b, admin)
}

func TestRateLimitSharedAcrossProcesses(t *testing.T) {
	t.Parallel()
	dbURL := storagetest.URL(t, storage.Postgres)
	env := with(sharedEnv(dbURL, true), "PYAIRTABLE_RATE_LIMIT", "0.2", "PYAIRTABLE_RATE_BURST", "4")
	ps := startServers(t, env, "A", "B")
	limited := createToken(t, dbURL, "a@example.com")
	other := createToken(t, dbURL, "a@example.com")

	// The burst of 4 is shared: calls alternate between the servers. One
	// request comes back every 5 s, so the calls below must fit in that.
	first := time.Now()
	for i := range 4 {
		p := ps[i%2]
		if _, err := currentUser(p, limited); err != nil {
			t.Fatalf("call %d (on %s): %v", i+1, p.name, err)
		}
	}
	_, err := currentUser(ps[0], limited)
	servertest.WantCode(t, err, connect.CodeResourceExhausted, "RATE_LIMITED")
	ri, ok := retryInfo(err)
	if !ok {
		t.Fatalf("rate-limited error has no RetryInfo detail: %v", err)
	}
	if d := ri.GetRetryDelay().AsDuration(); d <= 0 || d > 5*time.Second {
		t.Fatalf("retry delay = %v; want in (0, 5s]", d)
	}

	resp, body := postJSON(t, ps[1].url, getCurrentUser, limited, "{}")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("raw call on B: status %d (%s); want 429", resp.StatusCode, body)
	}
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || secs <= 0 || secs > 5 {
		t.Fatalf("Retry-After = %q; want a whole number of seconds in [1, 5]", resp.Header.Get("Retry-After"))
	}
	var wire struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(body, &wire); err != nil || wire.Code != "resource_exhausted" {
		t.Fatalf("raw error body = %s; want code resource_exhausted", body)
	}

	if took := time.Since(first); took >= 4*time.Second {
		t.Fatalf("the limited calls took %v; they must take well under 5 s for this test to hold", took)
	}

	for _, p := range ps {
		if _, err := currentUser(p, other); err != nil {
			t.Fatalf("another token on %s: %v", p.name, err)
		}
	}
}

func TestRetryAfterCrashAppliesOnce(t *testing.T) {
	t.Parallel()
	for _, b := range servertest.Backends {
		t.Run(string(b.Engine), func(t *testing.T) {
			t.Parallel()
			dbURL := storagetest.URL(t, b.Engine)
			env := sharedEnv(dbURL, b.Redis)
			token := createToken(t, dbURL, "a@example.com")
			ctx := context.Background()
			create := func(p *proc, name string) (*workspacev1.Workspace, error) {
				resp, err := p.clients(token).Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{
					Name: name, RequestId: "r-1",
				}))
				if err != nil {
					return nil, err
				}
				return resp.Msg.GetWorkspace(), nil
			}

			doomed := startServer(t, "doomed", with(env, "PYAIRTABLE_FAULT_EXIT_AFTER_COMMIT", "CreateWorkspace"))
			doomed.wantExit = 86
			_, err := create(doomed, "Crash test")
			wantTransportError(t, err)
			if code := doomed.wait(t, exitTimeout); code != 86 {
				t.Fatalf("exit code = %d; want 86", code)
			}

			srv := startServer(t, "fresh", env)
			w, err := create(srv, "Crash test")
			if err != nil {
				t.Fatalf("retry after the crash: %v", err)
			}
			if w.GetName() != "Crash test" || w.GetId() == "" {
				t.Fatalf("retry returned %v; want the workspace Crash test", w)
			}
			countNamed := func() int {
				t.Helper()
				resp, err := srv.clients(token).Workspaces.ListWorkspaces(ctx, connect.NewRequest(&workspacev1.ListWorkspacesRequest{}))
				if err != nil {
					t.Fatalf("ListWorkspaces: %v", err)
				}
				n := 0
				for _, got := range resp.Msg.GetWorkspaces() {
					if got.GetName() == "Crash test" {
						n++
						if got.GetId() != w.GetId() {
							t.Fatalf("listed workspace %s; want %s", got.GetId(), w.GetId())
						}
					}
				}
				return n
			}
			if n := countNamed(); n != 1 {
				t.Fatalf("%d workspaces named Crash test; want 1", n)
			}

			_, err = create(srv, "Another name")
			servertest.WantCode(t, err, connect.CodeInvalidArgument, "REQUEST_ID_REUSED")

			again, err := create(srv, "Crash test")
			if err != nil {
				t.Fatalf("second retry: %v", err)
			}
			if again.GetId() != w.GetId() {
				t.Fatalf("second retry returned workspace %s; want %s", again.GetId(), w.GetId())
			}
			if n := countNamed(); n != 1 {
				t.Fatalf("%d workspaces named Crash test after the retries; want 1", n)
			}
		})
	}
}

func TestSecretKeySharedByProcesses(t *testing.T) {
	t.Parallel()
	dbURL := storagetest.URL(t, storage.Postgres)
	env := sharedEnv(dbURL, false)
	// Both start together on an empty database: they must agree on the
	// generated key.
	ps := startServers(t, env, "A", "B")
	a, b := ps[0], ps[1]
	token := createToken(t, dbURL, "a@example.com")
	ctx := context.Background()
	for i, name := range []string{"One", "Two", "Three"} {
		p := ps[i%2]
		if _, err := p.clients(token).Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: name})); err != nil {
			t.Fatalf("CreateWorkspace %s on %s: %v", name, p.name, err)
		}
	}
	list := func(p *proc, size int32, pageToken string) (*workspacev1.ListWorkspacesResponse, error) {
		resp, err := p.clients(token).Workspaces.ListWorkspaces(ctx, connect.NewRequest(&workspacev1.ListWorkspacesRequest{
			PageSize: size, PageToken: pageToken,
		}))
		if err != nil {
			return nil, err
		}
		return resp.Msg, nil
	}
	all, err := list(a, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all.GetWorkspaces()) != 3 {
		t.Fatalf("listed %d workspaces; want 3", len(all.GetWorkspaces()))
	}
	want := all.GetWorkspaces()

	first, err := list(a, 1, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(first.GetWorkspaces()) != 1 || first.GetWorkspaces()[0].GetId() != want[0].GetId() || first.GetNextPageToken() == "" {
		t.Fatalf("first page on A = %v; want %s and a next page", first, want[0].GetId())
	}
	second, err := list(b, 1, first.GetNextPageToken())
	if err != nil {
		t.Fatalf("A's page token on B: %v", err)
	}
	if len(second.GetWorkspaces()) != 1 || second.GetWorkspaces()[0].GetId() != want[1].GetId() {
		t.Fatalf("second page on B = %v; want %s", second, want[1].GetId())
	}
	third, err := list(a, 1, second.GetNextPageToken())
	if err != nil {
		t.Fatalf("B's page token on A: %v", err)
	}
	if len(third.GetWorkspaces()) != 1 || third.GetWorkspaces()[0].GetId() != want[2].GetId() || third.GetNextPageToken() != "" {
		t.Fatalf("third page on A = %v; want %s and no next page", third, want[2].GetId())
	}

	tampered := []byte(first.GetNextPageToken())
	i := len(tampered) / 2
	if tampered[i] == 'A' {
		tampered[i] = 'B'
	} else {
		tampered[i] = 'A'
	}
	for _, p := range ps {
		_, err = list(p, 1, string(tampered))
		servertest.WantCode(t, err, connect.CodeInvalidArgument, "INVALID_PAGE_TOKEN")
	}

	// A server with a key of its own refuses the others' tokens, so the
	// ones above were accepted because the key is shared.
	c := startServer(t, "C", with(env, "PYAIRTABLE_SECRET_KEY", strings.Repeat("k", 40)))
	_, err = list(c, 1, first.GetNextPageToken())
	servertest.WantCode(t, err, connect.CodeInvalidArgument, "INVALID_PAGE_TOKEN")
}

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	for name, sig := range map[string]syscall.Signal{"SIGTERM": syscall.SIGTERM, "SIGINT": syscall.SIGINT} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t, "server", sharedEnv(storagetest.URL(t, storage.SQLite), false))
			// A keep-alive connection left idle after a call must not hold
			// the shutdown up.
			hc := &http.Client{Timeout: 10 * time.Second}
			defer hc.CloseIdleConnections()
			resp, err := hc.Post(srv.url+getCurrentUser, "application/json", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("call without credentials: status %d; want 401", resp.StatusCode)
			}

			start := time.Now()
			srv.signal(t, sig)
			if code := srv.wait(t, exitTimeout); code != 0 {
				t.Fatalf("exit code = %d; want 0", code)
			}
			if took := time.Since(start); took > shutdownTimeout {
				t.Fatalf("shutdown took %v; want at most %v", took, shutdownTimeout)
			}
			srv.waitLog(t, `"shutting down"`, func(line string) bool {
				m, ok := logEntry(line)
				return ok && m["msg"] == "shutting down"
			})
			conn, err := net.DialTimeout("tcp", srv.addr, 2*time.Second)
			if err == nil {
				conn.Close()
				t.Fatalf("%s still accepts connections after the server exited", srv.addr)
			}
			if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Logf("dial after exit: %v", err)
			}
		})
	}
}

// waitRefused waits until nothing listens on addr any more.
func waitRefused(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(exitTimeout)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return
		}
		conn.Close()
		if time.Now().After(deadline) {
			t.Fatalf("%s still accepts connections", addr)
		}
		<-tick.C
	}
}

func TestGracefulShutdownFinishesCallInFlight(t *testing.T) {
	t.Parallel()
	srv := startServer(t, "server", sharedEnv(storagetest.URL(t, storage.SQLite), false))
	conn, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(exitTimeout))
	// The server answers "100 Continue" when the handler starts reading the
	// body: from then on the call is in flight, waiting for the rest.
	head := "POST " + getCurrentUser + " HTTP/1.1\r\nHost: " + srv.addr + "\r\n" +
		"Content-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	cont, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cont.StatusCode != http.StatusContinue {
		t.Fatalf("status %d before the body; want 100", cont.StatusCode)
	}

	start := time.Now()
	srv.signal(t, syscall.SIGTERM)
	waitRefused(t, srv.addr)
	select {
	case <-srv.exited:
		t.Fatalf("server exited with code %d with a call in flight", srv.exitCode)
	default:
	}

	if _, err := io.WriteString(conn, "{}"); err != nil {
		t.Fatalf("send the rest of the call: %v", err)
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("the call in flight got no answer: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), `"unauthenticated"`) {
		t.Fatalf("call in flight: status %d (%s); want 401 unauthenticated", resp.StatusCode, body)
	}
	if code := srv.wait(t, exitTimeout); code != 0 {
		t.Fatalf("exit code = %d; want 0", code)
	}
	if took := time.Since(start); took > shutdownTimeout {
		t.Fatalf("shutdown took %v; want at most %v", took, shutdownTimeout)
	}
}

func TestAdminCommandSeenByRunningServers(t *testing.T) {
	t.Parallel()
	dbURL := storagetest.URL(t, storage.Postgres)
	env := sharedEnv(dbURL, true)
	ps := startServers(t, env, "A", "B")
	ctx := context.Background()
	x := createToken(t, dbURL, "x@example.com")
	y := mustCurrentUser(t, ps[0], createToken(t, dbURL, "y@example.com"))
	getY := func(p *proc) error {
		_, err := p.clients(x).Users.GetUser(ctx, connect.NewRequest(&userv1.GetUserRequest{UserId: y.GetId()}))
		return err
	}
	// Only an administrator sees a user who shares no workspace with them.
	for _, p := range ps {
		for range 2 {
			if err := getY(p); err != nil {
				t.Fatalf("administrator's GetUser on %s: %v", p.name, err)
			}
		}
	}
	// The command runs with the servers' configuration, Redis included.
	out := runCLI(t, env, "user", "admin", "--email", "x@example.com", "--revoke")
	if !strings.Contains(out, "x@example.com administrator: false") {
		t.Fatalf("user admin --revoke printed %q", out)
	}
	for _, p := range ps {
		servertest.WantCode(t, getY(p), connect.CodeNotFound)
	}
	if mustCurrentUser(t, ps[1], x).GetAdmin() {
		t.Fatal("x is still an administrator")
	}
}
