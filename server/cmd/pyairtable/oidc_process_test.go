package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"

	authv1 "github.com/pyairtable/pyairtable/gen/pyairtable/auth/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/auth/v1/authv1connect"
	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/user/v1/userv1connect"
	"github.com/pyairtable/pyairtable/server/oidctest"
	"github.com/pyairtable/pyairtable/server/servertest"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

const (
	oidcClientID     = "pyairtable-web"
	oidcClientSecret = "oidc-process-secret"
	// oidcRedirectURL is the callback the issuer is told about. A process's
	// port is only known once it listens, so the test takes the code and
	// state from the issuer's redirect and brings them to the process's
	// own /auth/callback, as a proxy in front of it would.
	oidcRedirectURL  = "http://pyairtable.test/auth/callback"
	oidcPostLogin    = "/welcome"
	oidcCookieName   = "pyairtable_session"
	oidcSessionCache = `pyairtable_cache_requests_total{cache="token",result="hit"}`
)

// oidcEnv adds sign-in with the issuer to a process configuration.
func oidcEnv(env map[string]string, iss *oidctest.Issuer) map[string]string {
	return with(env,
		"PYAIRTABLE_OIDC_ISSUER", iss.URL,
		"PYAIRTABLE_OIDC_CLIENT_ID", iss.ClientID(),
		"PYAIRTABLE_OIDC_CLIENT_SECRET", iss.ClientSecret(),
		"PYAIRTABLE_OIDC_REDIRECT_URL", oidcRedirectURL,
		"PYAIRTABLE_OIDC_POST_LOGIN_URL", oidcPostLogin,
		"PYAIRTABLE_ANONYMOUS_RATE_LIMIT", "0")
}

// oidcHop sends one browser request: the jar's cookies go out, the
// response's cookies are kept, redirects are not followed.
func oidcHop(t *testing.T, jar *cookiejar.Jar, method, target string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	rt := &http.Transport{ResponseHeaderTimeout: 10 * time.Second}
	defer rt.CloseIdleConnections()
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if cs := resp.Cookies(); len(cs) > 0 {
		jar.SetCookies(req.URL, cs)
	}
	return resp
}

func oidcLocation(t *testing.T, resp *http.Response, status int, what string) *url.URL {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: status %d; want %d", what, resp.StatusCode, status)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("%s: Location %q: %v", what, resp.Header.Get("Location"), err)
	}
	return loc
}

// oidcSignIn signs a new browser in on the process through the issuer and
// returns the session cookie value.
func oidcSignIn(t *testing.T, p *proc, iss *oidctest.Issuer) string {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	authz := oidcLocation(t, oidcHop(t, jar, http.MethodGet, p.url+"/auth/login"), http.StatusFound, "GET /auth/login on "+p.name)
	if !strings.HasPrefix(authz.String(), iss.URL+"/authorize?") || authz.Query().Get("redirect_uri") != oidcRedirectURL {
		t.Fatalf("login on %s redirects to %s; want the issuer's /authorize with redirect_uri %s", p.name, authz, oidcRedirectURL)
	}
	back := oidcLocation(t, oidcHop(t, jar, http.MethodGet, authz.String()), http.StatusFound, "GET issuer /authorize")
	if got := back.Scheme + "://" + back.Host + back.Path; got != oidcRedirectURL {
		t.Fatalf("issuer redirects to %s; want %s", got, oidcRedirectURL)
	}
	resp := oidcHop(t, jar, http.MethodGet, p.url+"/auth/callback?"+back.RawQuery)
	if loc := oidcLocation(t, resp, http.StatusSeeOther, "GET /auth/callback on "+p.name); loc.String() != oidcPostLogin {
		t.Fatalf("after sign-in on %s the browser goes to %s; want %s", p.name, loc, oidcPostLogin)
	}
	for _, c := range resp.Cookies() {
		if c.Name == oidcCookieName && c.Value != "" {
			if !c.HttpOnly || c.Path != "/" || c.SameSite != http.SameSiteLaxMode || c.Secure {
				t.Fatalf("session cookie from %s = %+v; want HttpOnly, Path=/, SameSite=Lax, not Secure", p.name, c)
			}
			return c.Value
		}
	}
	t.Fatalf("callback on %s set no session cookie (Set-Cookie: %q)", p.name, resp.Header.Values("Set-Cookie"))
	return ""
}

type oidcClients struct {
	users userv1connect.UserServiceClient
	auth  authv1connect.AuthServiceClient
}

// oidcCookieClients returns Connect clients of the process that send the
// session cookie.
func oidcCookieClients(t *testing.T, p *proc, cookie string) oidcClients {
	hc := servertest.HTTPClient(false)
	t.Cleanup(hc.CloseIdleConnections)
	send := connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			req.Header().Set("Cookie", oidcCookieName+"="+cookie)
			return next(ctx, req)
		}
	}))
	return oidcClients{
		users: userv1connect.NewUserServiceClient(hc, p.url, send),
		auth:  authv1connect.NewAuthServiceClient(hc, p.url, send),
	}
}

func oidcCurrentUser(t *testing.T, p *proc, cookie string) (*userv1.User, error) {
	resp, err := oidcCookieClients(t, p, cookie).users.GetCurrentUser(context.Background(), connect.NewRequest(&userv1.GetCurrentUserRequest{}))
	if err != nil {
		return nil, err
	}
	return resp.Msg.GetUser(), nil
}

func oidcMustCurrentUser(t *testing.T, p *proc, cookie string) *userv1.User {
	t.Helper()
	u, err := oidcCurrentUser(t, p, cookie)
	if err != nil {
		t.Fatalf("GetCurrentUser with the session cookie on %s: %v", p.name, err)
	}
	return u
}

// TestOIDCSessionLogoutSeenByOtherProcess signs in on A, uses the session
// on B (cached there), signs out on A: B refuses the cookie at once.
func TestOIDCSessionLogoutSeenByOtherProcess(t *testing.T) {
	t.Parallel()
	iss := oidctest.Start(t, oidctest.Config{ClientID: oidcClientID, ClientSecret: oidcClientSecret})
	iss.NextLogin("kay-sub", map[string]any{"email": "kay@example.com", "email_verified": true, "name": "Kay"})
	dbURL := storagetest.URL(t, storage.Postgres)
	ps := startServers(t, oidcEnv(sharedEnv(dbURL, true), iss), "A", "B")
	a, b := ps[0], ps[1]

	cookie := oidcSignIn(t, a, iss)
	kay := oidcMustCurrentUser(t, a, cookie)
	if kay.GetEmail() != "kay@example.com" || kay.GetDisplayName() != "Kay" {
		t.Fatalf("signed-in user = %v; want kay@example.com, Kay", kay)
	}
	hits := b.metric(t, oidcSessionCache)
	for range 2 {
		if u := oidcMustCurrentUser(t, b, cookie); u.GetId() != kay.GetId() {
			t.Fatalf("the cookie on B is user %s; want %s", u.GetId(), kay.GetId())
		}
	}
	if got := b.metric(t, oidcSessionCache); got < hits+1 {
		t.Fatalf("B's cache hits went from %v to %v over two calls; want the second served from the cache", hits, got)
	}
	sess, err := oidcCookieClients(t, b, cookie).auth.GetSession(context.Background(), connect.NewRequest(&authv1.GetSessionRequest{}))
	if err != nil {
		t.Fatalf("GetSession on B: %v", err)
	}
	if id, _, _ := strings.Cut(cookie, "."); sess.Msg.GetSession().GetId() != id || !sess.Msg.GetSession().GetCurrent() {
		t.Fatalf("GetSession on B = %v; want the current session %s", sess.Msg.GetSession(), id)
	}

	req, err := http.NewRequest(http.MethodPost, a.url+"/auth/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Cookie", oidcCookieName+"="+cookie)
	hc := &http.Client{Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("POST /auth/logout on A: %v", err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("POST /auth/logout on A: status %d; want 204", resp.StatusCode)
	}

	_, err = oidcCurrentUser(t, b, cookie)
	servertest.WantCode(t, err, connect.CodeUnauthenticated, "INVALID_SESSION")
	_, err = oidcCurrentUser(t, a, cookie)
	servertest.WantCode(t, err, connect.CodeUnauthenticated, "INVALID_SESSION")
}

// TestOIDCSessionSurvivesRestart signs in on a process, stops it, and uses
// the cookie on a new process over the same database.
func TestOIDCSessionSurvivesRestart(t *testing.T) {
	t.Parallel()
	iss := oidctest.Start(t, oidctest.Config{ClientID: oidcClientID, ClientSecret: oidcClientSecret})
	iss.NextLogin("lee-sub", map[string]any{"email": "lee@example.com", "email_verified": true, "name": "Lee"})
	env := oidcEnv(sharedEnv(storagetest.URL(t, storage.SQLite), false), iss)

	first := startServer(t, "first", env)
	cookie := oidcSignIn(t, first, iss)
	lee := oidcMustCurrentUser(t, first, cookie)
	first.signal(t, syscall.SIGTERM)
	if code := first.wait(t, exitTimeout); code != 0 {
		t.Fatalf("first server exited with code %d after SIGTERM; want 0", code)
	}

	second := startServer(t, "second", env)
	if u := oidcMustCurrentUser(t, second, cookie); u.GetId() != lee.GetId() || u.GetEmail() != "lee@example.com" {
		t.Fatalf("after a restart the cookie is user %v; want %s", u, lee.GetId())
	}
	sess, err := oidcCookieClients(t, second, cookie).auth.GetSession(context.Background(), connect.NewRequest(&authv1.GetSessionRequest{}))
	if err != nil {
		t.Fatalf("GetSession after a restart: %v", err)
	}
	if id, _, _ := strings.Cut(cookie, "."); sess.Msg.GetSession().GetId() != id || !sess.Msg.GetSession().GetCurrent() {
		t.Fatalf("GetSession after a restart = %v; want the current session %s", sess.Msg.GetSession(), id)
	}
	// A forged secret for the same session id is refused.
	id, _, _ := strings.Cut(cookie, ".")
	_, err = oidcCurrentUser(t, second, id+"."+strings.Repeat("x", len(cookie)-len(id)-1))
	servertest.WantCode(t, err, connect.CodeUnauthenticated)
}
