package e2e_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	authv1 "github.com/pyairtable/pyairtable/gen/pyairtable/auth/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/auth/v1/authv1connect"
	commonv1 "github.com/pyairtable/pyairtable/gen/pyairtable/common/v1"
	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/user/v1/userv1connect"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1/workspacev1connect"
	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/app"
	"github.com/pyairtable/pyairtable/server/config"
	"github.com/pyairtable/pyairtable/server/oidctest"
	"github.com/pyairtable/pyairtable/server/servertest"
)

const (
	oidClientID     = "pyairtable-web"
	oidClientSecret = "oid-client-secret"
	// oidPostLogin is where the servers under test send a browser after
	// sign-in.
	oidPostLogin = "/welcome"
	// oidExtraAudience is a further accepted ID token audience.
	oidExtraAudience = "pyairtable-mobile"

	oidSessionCookie = "pyairtable_session"
	oidLoginCookie   = "pyairtable_login"

	oidGetCurrentUserPath = "/pyairtable.user.v1.UserService/GetCurrentUser"
)

// oidSite is a server with OIDC sign-in against an in-process issuer.
type oidSite struct {
	*servertest.Env
	iss *oidctest.Issuer
	t   *testing.T
}

// oidStart starts an issuer and a server on the backend that trusts it.
// The server's listener is opened first, so the redirect URL it gives the
// issuer is its real /auth/callback and every hop of a login can be
// followed as a browser would.
func oidStart(t *testing.T, b servertest.Backend, change ...func(*config.Config)) *oidSite {
	t.Helper()
	return oidStartWith(t, b, oidctest.Config{ClientID: oidClientID, ClientSecret: oidClientSecret}, change...)
}

// oidStartWith is oidStart with an issuer of the configuration.
func oidStartWith(t *testing.T, b servertest.Backend, issCfg oidctest.Config, change ...func(*config.Config)) *oidSite {
	t.Helper()
	iss := oidctest.Start(t, issCfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	cfg := servertest.Config(t, b)
	cfg.OIDCIssuer = iss.URL
	cfg.OIDCClientID = iss.ClientID()
	cfg.OIDCClientSecret = iss.ClientSecret()
	cfg.OIDCRedirectURL = base + "/auth/callback"
	cfg.OIDCPostLoginURL = oidPostLogin
	cfg.OIDCAudiences = []string{oidExtraAudience}
	cfg.RateLimit, cfg.AnonRateLimit = 0, 0
	for _, c := range change {
		c(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(oidLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := app.New(ctx, cfg, log)
	if err != nil {
		cancel()
		_ = ln.Close()
		t.Fatalf("start server on %s: %v", b.Name, err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
		srv.Close()
	})
	return &oidSite{Env: &servertest.Env{Backend: b, Server: srv, URL: base}, iss: iss, t: t}
}

type oidLogWriter struct{ t testing.TB }

func (w oidLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// oidBrowser is a browser: a cookie jar and an HTTP client that never
// follows redirects, so that each hop of a login is checked.
type oidBrowser struct {
	t    *testing.T
	site *oidSite
	jar  *cookiejar.Jar
	rt   *http.Transport
}

func (s *oidSite) browser(t *testing.T) *oidBrowser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	rt := &http.Transport{ResponseHeaderTimeout: 10 * time.Second}
	t.Cleanup(rt.CloseIdleConnections)
	return &oidBrowser{t: t, site: s, jar: jar, rt: rt}
}

// do sends one request with the browser's cookies, stores the cookies the
// response sets, and returns the response with its body read. Redirects
// are not followed, and a Location is returned as sent.
func (b *oidBrowser) do(method, target string, header http.Header) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	for _, c := range b.jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	resp, err := b.rt.RoundTrip(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, target, err)
	}
	if cs := resp.Cookies(); len(cs) > 0 {
		b.jar.SetCookies(req.URL, cs)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("read %s: %v", target, err)
	}
	return resp, string(body)
}

// oidCookie returns the cookie the response sets under name.
func oidCookie(resp *http.Response, name string) (*http.Cookie, bool) {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// start opens /auth/login (with return_to when not empty) and returns the
// issuer's authorization URL it redirects to, after checking the request
// it makes of the issuer and the login cookie.
func (b *oidBrowser) start(returnTo string) string {
	b.t.Helper()
	target := b.site.URL + "/auth/login"
	if returnTo != "" {
		target += "?return_to=" + url.QueryEscape(returnTo)
	}
	resp, body := b.do(http.MethodGet, target, nil)
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("GET /auth/login: status %d (%s); want 302", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		b.t.Fatalf("login Location %q: %v", resp.Header.Get("Location"), err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != b.site.iss.URL+"/authorize" {
		b.t.Fatalf("login redirects to %s; want the issuer's %s/authorize", got, b.site.iss.URL)
	}
	q := loc.Query()
	want := map[string]string{
		"response_type":         "code",
		"client_id":             b.site.iss.ClientID(),
		"redirect_uri":          b.site.URL + "/auth/callback",
		"code_challenge_method": "S256",
	}
	for k, v := range want {
		if q.Get(k) != v {
			b.t.Fatalf("authorization request %s = %q; want %q (%s)", k, q.Get(k), v, loc)
		}
	}
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 22 {
			b.t.Fatalf("authorization request %s = %q; want a long random value", k, q.Get(k))
		}
	}
	if !slices.Contains(strings.Fields(q.Get("scope")), "openid") {
		b.t.Fatalf("authorization request scope = %q; want openid", q.Get("scope"))
	}
	lc, ok := oidCookie(resp, oidLoginCookie)
	if !ok || lc.Value != q.Get("state") || !lc.HttpOnly || lc.Path != "/auth" || lc.SameSite != http.SameSiteLaxMode || lc.MaxAge <= 0 {
		b.t.Fatalf("login cookie = %+v; want %s=<state>, HttpOnly, Path=/auth, SameSite=Lax, a Max-Age", lc, oidLoginCookie)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		b.t.Fatalf("login Cache-Control = %q; want no-store", resp.Header.Get("Cache-Control"))
	}
	return loc.String()
}

// authorize lets the issuer sign the browser in and returns the callback
// URL the issuer redirects to.
func (b *oidBrowser) authorize(authURL string) string {
	b.t.Helper()
	resp, body := b.do(http.MethodGet, authURL, nil)
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("GET issuer /authorize: status %d (%s); want 302", resp.StatusCode, body)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		b.t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != b.site.URL+"/auth/callback" {
		b.t.Fatalf("issuer redirects to %s; want %s/auth/callback", got, b.site.URL)
	}
	if loc.Query().Get("code") == "" || loc.Query().Get("state") == "" {
		b.t.Fatalf("issuer redirect %s has no code or state", loc)
	}
	return loc.String()
}

// callback opens the callback URL.
func (b *oidBrowser) callback(cbURL string) (*http.Response, string) {
	b.t.Helper()
	return b.do(http.MethodGet, cbURL, nil)
}

// login signs in through every hop and returns the session cookie value
// and the callback's redirect target, after checking the cookie's
// attributes.
func (b *oidBrowser) login(returnTo string) (cookie, location string) {
	b.t.Helper()
	resp, body := b.callback(b.authorize(b.start(returnTo)))
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("GET /auth/callback: status %d (%s); want 303", resp.StatusCode, body)
	}
	sc, ok := oidCookie(resp, oidSessionCookie)
	if !ok || sc.Value == "" {
		b.t.Fatalf("callback set no %s cookie (Set-Cookie: %q)", oidSessionCookie, resp.Header.Values("Set-Cookie"))
	}
	if !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" || sc.Secure || sc.MaxAge <= 0 {
		b.t.Fatalf("session cookie = %+v; want HttpOnly, SameSite=Lax, Path=/, not Secure over http, a Max-Age", sc)
	}
	if !strings.HasPrefix(sc.Value, "ses") || !strings.Contains(sc.Value, ".") {
		b.t.Fatalf("session cookie value %q; want ses<id>.<secret>", sc.Value)
	}
	if lc, ok := oidCookie(resp, oidLoginCookie); !ok || lc.MaxAge >= 0 || lc.Value != "" {
		b.t.Fatalf("callback left the login cookie: %+v; want it cleared", lc)
	}
	return sc.Value, resp.Header.Get("Location")
}

// wantRefused opens a callback URL and expects status, and no session
// cookie set.
func (b *oidBrowser) wantRefused(cbURL string, status int) string {
	b.t.Helper()
	resp, body := b.callback(cbURL)
	if resp.StatusCode != status {
		b.t.Fatalf("GET /auth/callback: status %d (%s); want %d", resp.StatusCode, body, status)
	}
	if sc, ok := oidCookie(resp, oidSessionCookie); ok && sc.Value != "" {
		b.t.Fatalf("a refused callback set a session cookie: %+v", sc)
	}
	return body
}

// clients returns generated clients that send the browser's cookies.
func (b *oidBrowser) clients(p servertest.Protocol) servertest.Clients {
	hc := servertest.HTTPClient(p == servertest.GRPC)
	hc.Jar = b.jar
	b.t.Cleanup(hc.CloseIdleConnections)
	return oidClientsWith(hc, b.site.URL, p)
}

func oidClientsWith(hc *http.Client, base string, p servertest.Protocol, extra ...connect.ClientOption) servertest.Clients {
	opts := append(servertest.ClientOptions(p), extra...)
	return servertest.Clients{
		Users:      userv1connect.NewUserServiceClient(hc, base, opts...),
		Auth:       authv1connect.NewAuthServiceClient(hc, base, opts...),
		Workspaces: workspacev1connect.NewWorkspaceServiceClient(hc, base, opts...),
	}
}

// oidCookieClients returns generated clients that send the session cookie
// value in a Cookie header.
func oidCookieClients(t *testing.T, base string, p servertest.Protocol, cookie string) servertest.Clients {
	hc := servertest.HTTPClient(p == servertest.GRPC)
	t.Cleanup(hc.CloseIdleConnections)
	setCookie := connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			req.Header().Set("Cookie", oidSessionCookie+"="+cookie)
			return next(ctx, req)
		}
	})
	return oidClientsWith(hc, base, p, connect.WithInterceptors(setCookie))
}

func oidMe(c servertest.Clients) (*userv1.User, error) {
	resp, err := c.Users.GetCurrentUser(context.Background(), connect.NewRequest(&userv1.GetCurrentUserRequest{}))
	if err != nil {
		return nil, err
	}
	return resp.Msg.GetUser(), nil
}

func oidMustMe(t *testing.T, c servertest.Clients) *userv1.User {
	t.Helper()
	u, err := oidMe(c)
	if err != nil {
		t.Fatalf("GetCurrentUser: %v", err)
	}
	return u
}

// oidSessionID is the session id part of a cookie value.
func oidSessionID(cookie string) string {
	id, _, _ := strings.Cut(cookie, ".")
	return id
}

// oidIdentities returns the user ids of the stored identities with the
// issuer and subject.
func oidIdentities(t *testing.T, s *oidSite, subject string) []string {
	t.Helper()
	var users []string
	err := s.Server.DB.NewSelect().Table("identities").Column("user_id").
		Where("issuer = ? AND subject = ?", s.iss.URL, subject).Scan(context.Background(), &users)
	if err != nil {
		t.Fatalf("read identities: %v", err)
	}
	return users
}

func oidCount(t *testing.T, s *oidSite, table string) int {
	t.Helper()
	n, err := s.Server.DB.NewSelect().Table(table).Count(context.Background())
	if err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return int(n)
}

// oidUnchanged fails when the metadata snapshot differs from before.
func oidUnchanged(t *testing.T, s *oidSite, before, what string) {
	t.Helper()
	after := servertest.Snapshot(t, s.Server.DB)
	if after == before {
		return
	}
	was, is := strings.Split(before, "\n"), strings.Split(after, "\n")
	var diff strings.Builder
	for _, l := range was {
		if !slices.Contains(is, l) {
			fmt.Fprintf(&diff, "- %s\n", l)
		}
	}
	for _, l := range is {
		if !slices.Contains(was, l) {
			fmt.Fprintf(&diff, "+ %s\n", l)
		}
	}
	t.Fatalf("%s changed storage:\n%s", what, diff.String())
}

// oidAdmin creates the instance administrator (the first user) with a
// token, and clients for it.
func oidAdmin(t *testing.T, s *oidSite) (servertest.User, servertest.Clients) {
	t.Helper()
	admin := s.NewUser(t, "admin@example.com")
	c := s.Clients(servertest.ConnectJSON, admin.Token)
	if me := oidMustMe(t, c); !me.GetAdmin() {
		t.Fatalf("the first user is not an administrator: %v", me)
	}
	return admin, c
}

func oidWorkspace(t *testing.T, c servertest.Clients, name string) string {
	t.Helper()
	resp, err := c.Workspaces.CreateWorkspace(context.Background(), connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: name}))
	servertest.NoErr(t, err)
	return resp.Msg.GetWorkspace().GetId()
}

// oidInvite adds a pending member by email.
func oidInvite(t *testing.T, c servertest.Clients, workspaceID, email string) {
	t.Helper()
	resp, err := c.Workspaces.AddMember(context.Background(), connect.NewRequest(&workspacev1.AddMemberRequest{
		WorkspaceId: workspaceID, Email: email, Role: commonv1.Role(access.RoleEditor),
	}))
	servertest.NoErr(t, err)
	if m := resp.Msg.GetMember(); m.GetState() != workspacev1.MemberState_MEMBER_STATE_PENDING || m.GetUserId() != "" {
		t.Fatalf("AddMember(%s) = %v; want a pending membership", email, m)
	}
}

// oidMember returns the membership of the email in the workspace.
func oidMember(t *testing.T, c servertest.Clients, workspaceID, email string) *workspacev1.Member {
	t.Helper()
	resp, err := c.Workspaces.ListMembers(context.Background(), connect.NewRequest(&workspacev1.ListMembersRequest{WorkspaceId: workspaceID}))
	servertest.NoErr(t, err)
	for _, m := range resp.Msg.GetMembers() {
		if m.GetEmail() == email {
			return m
		}
	}
	t.Fatalf("no member %s in %v", email, resp.Msg.GetMembers())
	return nil
}

// oidBearer returns clients sending the ID token as a bearer credential
// ("" sends none). Their connections close when the test ends, before the
// server stops.
func oidBearer(s *oidSite, p servertest.Protocol, idToken string) servertest.Clients {
	hc := servertest.HTTPClient(p == servertest.GRPC)
	s.t.Cleanup(hc.CloseIdleConnections)
	bearer := connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if idToken != "" {
				req.Header().Set("Authorization", "Bearer "+idToken)
			}
			return next(ctx, req)
		}
	})
	return oidClientsWith(hc, s.URL, p, connect.WithInterceptors(bearer))
}

func oidVerified(email, name string) map[string]any {
	return map[string]any{"email": email, "email_verified": true, "name": name}
}

// TestOIDCLoginFlow signs in through the browser flow, hop by hop, and
// uses the session over gRPC-Web and Connect.
func TestOIDCLoginFlow(t *testing.T) {
	t.Parallel()
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := oidStart(t, b)
			ctx := context.Background()
			_, admin := oidAdmin(t, s)
			ws := oidWorkspace(t, admin, "Invited")
			oidInvite(t, admin, ws, "grace@example.com")
			usersBefore := oidCount(t, s, "users")

			s.iss.NextLogin("grace-sub", oidVerified("Grace@Example.com", "Grace Hopper"))
			br := s.browser(t)
			cookie, loc := br.login("")
			if loc != oidPostLogin {
				t.Fatalf("after sign-in the browser goes to %q; want the post-login URL %q", loc, oidPostLogin)
			}
			if n := s.iss.Requests("/token"); n != 1 {
				t.Fatalf("issuer /token requests = %d; want 1", n)
			}

			var grace *userv1.User
			for _, p := range []servertest.Protocol{servertest.GRPCWeb, servertest.ConnectJSON, servertest.ConnectProto} {
				c := br.clients(p)
				me := oidMustMe(t, c)
				if me.GetEmail() != "grace@example.com" || me.GetDisplayName() != "Grace Hopper" || me.GetAdmin() ||
					me.GetState() != userv1.UserState_USER_STATE_ACTIVE {
					t.Fatalf("%s: GetCurrentUser = %v; want grace@example.com, Grace Hopper, active, not admin", p, me)
				}
				if grace != nil && me.GetId() != grace.GetId() {
					t.Fatalf("%s: user %s; another protocol said %s", p, me.GetId(), grace.GetId())
				}
				grace = me
				sess, err := c.Auth.GetSession(ctx, connect.NewRequest(&authv1.GetSessionRequest{}))
				servertest.NoErr(t, err)
				got := sess.Msg.GetSession()
				if !got.GetCurrent() || got.GetId() != oidSessionID(cookie) || got.GetUserId() != me.GetId() ||
					got.GetRevokeTime() != nil || !got.GetExpireTime().AsTime().After(time.Now()) {
					t.Fatalf("%s: GetSession = %v; want the current session %s of %s", p, got, oidSessionID(cookie), me.GetId())
				}
			}
			if got := oidIdentities(t, s, "grace-sub"); len(got) != 1 || got[0] != grace.GetId() {
				t.Fatalf("identities of (%s, grace-sub) = %v; want one, of %s", s.iss.URL, got, grace.GetId())
			}
			if n := oidCount(t, s, "users"); n != usersBefore+1 {
				t.Fatalf("users = %d; want %d", n, usersBefore+1)
			}

			// The pending membership was linked on the first verified sign-in.
			m := oidMember(t, admin, ws, "grace@example.com")
			if m.GetState() != workspacev1.MemberState_MEMBER_STATE_ACTIVE || m.GetUserId() != grace.GetId() {
				t.Fatalf("membership after sign-in = %v; want active, of %s", m, grace.GetId())
			}
			w, err := br.clients(servertest.GRPCWeb).Workspaces.GetWorkspace(ctx, connect.NewRequest(&workspacev1.GetWorkspaceRequest{WorkspaceId: ws}))
			servertest.NoErr(t, err)
			if w.Msg.GetWorkspace().GetRole() != commonv1.Role(access.RoleEditor) {
				t.Fatalf("role in the invited workspace = %v; want editor", w.Msg.GetWorkspace().GetRole())
			}

			// A second sign-in of the subject, in another browser, reuses the
			// user and starts a second session; return_to is honoured.
			br2 := s.browser(t)
			cookie2, loc2 := br2.login("/bases/app1?view=grid")
			if loc2 != "/bases/app1?view=grid" {
				t.Fatalf("after sign-in with return_to the browser goes to %q", loc2)
			}
			if oidSessionID(cookie2) == oidSessionID(cookie) {
				t.Fatalf("second sign-in reused session %s", oidSessionID(cookie))
			}
			if me := oidMustMe(t, br2.clients(servertest.ConnectJSON)); me.GetId() != grace.GetId() {
				t.Fatalf("second sign-in is user %s; want %s", me.GetId(), grace.GetId())
			}
			if got := oidIdentities(t, s, "grace-sub"); len(got) != 1 {
				t.Fatalf("identities after a second sign-in = %v; want one", got)
			}
			if n := oidCount(t, s, "users"); n != usersBefore+1 {
				t.Fatalf("users after a second sign-in = %d; want %d", n, usersBefore+1)
			}
			// The first browser's session is still good.
			if me := oidMustMe(t, br.clients(servertest.GRPCWeb)); me.GetId() != grace.GetId() {
				t.Fatalf("first session now is user %s", me.GetId())
			}
		})
	}
}

// TestOIDCLoginPublicClient signs in as a public client: no secret, PKCE
// only.
func TestOIDCLoginPublicClient(t *testing.T) {
	t.Parallel()
	s := oidStartWith(t, servertest.Backends[0], oidctest.Config{ClientID: "pyairtable-public"})
	s.iss.NextLogin("pub-sub", oidVerified("pub@example.com", "Pub"))
	cookie, _ := s.browser(t).login("")
	if me := oidMustMe(t, oidCookieClients(t, s.URL, servertest.GRPCWeb, cookie)); me.GetEmail() != "pub@example.com" {
		t.Fatalf("public client sign-in = %v; want pub@example.com", me)
	}
}

// TestOIDCLoginReturnTo checks which return_to targets a login and a
// logout accept: paths on the server, never another site, including forms
// a browser turns into another site.
func TestOIDCLoginReturnTo(t *testing.T) {
	t.Parallel()
	s := oidStart(t, servertest.Backends[0])
	base, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	// onSite fails unless a browser sent to loc stays on the server. A
	// browser removes tabs and newlines from a URL before it resolves it,
	// and reads a backslash in an http(s) URL as a slash (WHATWG URL
	// standard).
	onSite := func(t *testing.T, rt, loc string) {
		t.Helper()
		ref, err := url.Parse(strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(loc))
		if err != nil {
			t.Fatalf("Location %q: %v", loc, err)
		}
		if target := base.ResolveReference(ref); target.Host != base.Host || target.Scheme != base.Scheme {
			t.Fatalf("return_to %q was accepted and sends the browser to %s (Location %q); want a refusal or a page of %s",
				rt, target, loc, s.URL)
		}
	}
	for _, rt := range []string{
		"/bases/app1?view=grid",
		"https://evil.example/",
		"//evil.example/",
		"/\\evil.example/",
		"javascript:alert(1)",
		"/\t/evil.example/",
		"/\n/evil.example/",
		"/a/../\\evil.example/",
	} {
		t.Run(fmt.Sprintf("login %q", rt), func(t *testing.T) {
			br := s.browser(t)
			resp, body := br.do(http.MethodGet, s.URL+"/auth/login?return_to="+url.QueryEscape(rt), nil)
			if resp.StatusCode == http.StatusBadRequest && !strings.HasPrefix(rt, "/bases/") {
				return
			}
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("GET /auth/login: status %d (%s); want 302", resp.StatusCode, body)
			}
			resp, body = br.callback(br.authorize(resp.Header.Get("Location")))
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("callback: status %d (%s)", resp.StatusCode, body)
			}
			onSite(t, rt, resp.Header.Get("Location"))
		})
		t.Run(fmt.Sprintf("logout %q", rt), func(t *testing.T) {
			resp, body := s.browser(t).do(http.MethodPost, s.URL+"/auth/logout?return_to="+url.QueryEscape(rt), nil)
			switch resp.StatusCode {
			case http.StatusNoContent:
			case http.StatusSeeOther:
				onSite(t, rt, resp.Header.Get("Location"))
			default:
				t.Fatalf("POST /auth/logout: status %d (%s); want 204 or 303", resp.StatusCode, body)
			}
		})
	}
}

// TestOIDCBearerIDToken uses ID tokens as bearer credentials beside
// personal access tokens.
func TestOIDCBearerIDToken(t *testing.T) {
	t.Parallel()
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := oidStart(t, b)
			admin, adminC := oidAdmin(t, s)
			usersBefore := oidCount(t, s, "users")

			tok := s.iss.Sign(s.iss.Claims("ada-sub", oidVerified("ada@example.com", "Ada Lovelace")))
			var ada *userv1.User
			for _, p := range []servertest.Protocol{servertest.ConnectJSON, servertest.GRPCWeb, servertest.GRPC} {
				me := oidMustMe(t, oidBearer(s, p, tok))
				if me.GetEmail() != "ada@example.com" || me.GetDisplayName() != "Ada Lovelace" || me.GetAdmin() {
					t.Fatalf("%s: GetCurrentUser = %v; want ada@example.com, Ada Lovelace, not admin", p, me)
				}
				if ada != nil && me.GetId() != ada.GetId() {
					t.Fatalf("%s: user %s; first call provisioned %s", p, me.GetId(), ada.GetId())
				}
				ada = me
			}
			if got := oidIdentities(t, s, "ada-sub"); len(got) != 1 || got[0] != ada.GetId() {
				t.Fatalf("identities of ada-sub = %v; want one, of %s", got, ada.GetId())
			}
			if n := oidCount(t, s, "users"); n != usersBefore+1 {
				t.Fatalf("users = %d; want %d (provisioned once)", n, usersBefore+1)
			}

			// A further configured audience is accepted.
			extra := s.iss.Sign(s.iss.Claims("ada-sub", map[string]any{"aud": oidExtraAudience}))
			if me := oidMustMe(t, oidBearer(s, servertest.ConnectJSON, extra)); me.GetId() != ada.GetId() {
				t.Fatalf("token for %s is user %s; want %s", oidExtraAudience, me.GetId(), ada.GetId())
			}
			both := s.iss.Sign(s.iss.Claims("ada-sub", map[string]any{"aud": []string{"someone-else", oidExtraAudience}}))
			if me := oidMustMe(t, oidBearer(s, servertest.ConnectJSON, both)); me.GetId() != ada.GetId() {
				t.Fatalf("token for [someone-else %s] is user %s; want %s", oidExtraAudience, me.GetId(), ada.GetId())
			}

			// An ID token reaches what its user may: a workspace it creates.
			ws, err := oidBearer(s, servertest.ConnectJSON, tok).Workspaces.CreateWorkspace(context.Background(),
				connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "Ada's"}))
			servertest.NoErr(t, err)
			if ws.Msg.GetWorkspace().GetRole() != commonv1.Role_ROLE_OWNER {
				t.Fatalf("role = %v; want owner", ws.Msg.GetWorkspace().GetRole())
			}
			// No session: GetSession of the current one is NotFound.
			_, err = oidBearer(s, servertest.ConnectJSON, tok).Auth.GetSession(context.Background(), connect.NewRequest(&authv1.GetSessionRequest{}))
			servertest.WantCode(t, err, connect.CodeNotFound)

			// A verified email that belongs to another user never merges
			// accounts: the new identity gets a user of its own, without the
			// email.
			impostor := s.iss.Sign(s.iss.Claims("impostor-sub", oidVerified("ADMIN@example.com", "Impostor")))
			if me := oidMustMe(t, oidBearer(s, servertest.ConnectJSON, impostor)); me.GetId() == admin.ID || me.GetEmail() != "" || me.GetAdmin() {
				t.Fatalf("identity with the administrator's email = %v; want a new user without email, not admin", me)
			}

			// Personal access tokens keep working beside ID tokens.
			if me := oidMustMe(t, adminC); me.GetId() != admin.ID {
				t.Fatalf("PAT is user %s; want %s", me.GetId(), admin.ID)
			}
			if me := oidMustMe(t, s.Clients(servertest.GRPCWeb, admin.Token)); me.GetId() != admin.ID {
				t.Fatalf("PAT over gRPC-Web is user %s; want %s", me.GetId(), admin.ID)
			}
		})
	}
}

// TestOIDCIDTokenRejected sends ID tokens that must be refused, each
// without creating anything.
func TestOIDCIDTokenRejected(t *testing.T) {
	t.Parallel()
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := oidStart(t, b)
			oidAdmin(t, s)
			// A valid token first, so the issuer's keys are known and an
			// accepted token would show as a new user.
			oidMustMe(t, oidBearer(s, servertest.ConnectJSON, s.iss.Sign(s.iss.Claims("known", nil))))
			hour := time.Hour
			now := time.Now()
			claims := func(sub string, extra map[string]any) map[string]any {
				m := oidVerified(sub+"@example.com", sub)
				for k, v := range extra {
					m[k] = v
				}
				return s.iss.Claims(sub, m)
			}
			cases := []struct {
				name  string
				token func() string
			}{
				{"wrong audience", func() string {
					return s.iss.Sign(claims("aud", map[string]any{"aud": "another-client"}))
				}},
				{"wrong issuer", func() string {
					return s.iss.Sign(claims("iss", map[string]any{"iss": "https://issuer.evil.example"}))
				}},
				{"expired", func() string {
					return s.iss.Sign(claims("exp", map[string]any{
						"exp": now.Add(-hour).Unix(), "iat": now.Add(-2 * hour).Unix(), "nbf": now.Add(-2 * hour).Unix(),
					}))
				}},
				{"not yet valid", func() string {
					return s.iss.Sign(claims("nbf", map[string]any{"nbf": now.Add(hour).Unix()}))
				}},
				{"bad signature", func() string { return s.iss.Sign(claims("sig", nil), oidctest.WithForeignKey()) }},
				{"alg none", func() string { return s.iss.Sign(claims("none", nil), oidctest.WithAlgNone()) }},
				{"alg none with kid", func() string {
					return s.iss.Sign(claims("nonekid", nil), oidctest.WithAlgNone(), oidctest.WithKID(s.iss.KeyID()))
				}},
				{"HS256 with the public key", func() string {
					return s.iss.Sign(claims("hs256", nil), oidctest.WithHS256PublicKey())
				}},
				{"unknown kid", func() string { return s.iss.Sign(claims("kid", nil), oidctest.WithKID("no-such-key")) }},
				{"no subject", func() string { return s.iss.Sign(claims("nosub", map[string]any{"sub": nil})) }},
				{"tampered payload", func() string {
					parts := strings.Split(s.iss.Sign(claims("tamper", nil)), ".")
					other := strings.Split(s.iss.Sign(claims("victim", nil)), ".")
					return parts[0] + "." + other[1] + "." + parts[2]
				}},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					before := servertest.Snapshot(t, s.Server.DB)
					tok := tc.token()
					for _, p := range []servertest.Protocol{servertest.ConnectJSON, servertest.GRPCWeb} {
						_, err := oidMe(oidBearer(s, p, tok))
						servertest.WantCode(t, err, connect.CodeUnauthenticated)
					}
					oidUnchanged(t, s, before, "a refused ID token")
				})
			}
		})
	}
}

// TestOIDCIDTokenUnknownKidFlood sends 50 tokens with made-up key ids at
// once: the server fetches the issuer's keys at most the burst of 3 times.
func TestOIDCIDTokenUnknownKidFlood(t *testing.T) {
	t.Parallel()
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := oidStart(t, b)
			before := servertest.Snapshot(t, s.Server.DB)
			fetches, serverFetches := s.iss.JWKSFetches(), s.Server.SignIn.KeyFetches()
			c := oidBearer(s, servertest.ConnectJSON, "")
			errs := make([]error, 50)
			var wg sync.WaitGroup
			for i := range errs {
				tok := s.iss.Sign(s.iss.Claims(fmt.Sprintf("flood-%d", i), nil), oidctest.WithKID(fmt.Sprintf("made-up-%d", i)))
				wg.Add(1)
				go func() {
					defer wg.Done()
					req := connect.NewRequest(&userv1.GetCurrentUserRequest{})
					req.Header().Set("Authorization", "Bearer "+tok)
					_, errs[i] = c.Users.GetCurrentUser(context.Background(), req)
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if connect.CodeOf(err) != connect.CodeUnauthenticated {
					t.Fatalf("token %d: %v; want unauthenticated", i, err)
				}
			}
			if d := s.iss.JWKSFetches() - fetches; d > 3 {
				t.Fatalf("50 unknown-kid tokens made %d JWKS fetches; want at most 3", d)
			}
			if d := s.Server.SignIn.KeyFetches() - serverFetches; d > 3 {
				t.Fatalf("server counted %d key fetches; want at most 3", d)
			}
			oidUnchanged(t, s, before, "unknown-kid tokens")
			// The current key still works.
			oidMustMe(t, oidBearer(s, servertest.ConnectJSON, s.iss.Sign(s.iss.Claims("after-flood", nil))))
		})
	}
}

// TestOIDCIDTokenKeyRotation rotates the issuer's key while the server
// runs: a token signed with the new key is accepted.
func TestOIDCIDTokenKeyRotation(t *testing.T) {
	t.Parallel()
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := oidStart(t, b)
			old := s.iss.KeyID()
			first := oidMustMe(t, oidBearer(s, servertest.ConnectJSON, s.iss.Sign(s.iss.Claims("rot", nil))))
			fetches := s.iss.JWKSFetches()
			s.iss.Rotate(false)
			if s.iss.KeyID() == old {
				t.Fatal("Rotate kept the key id")
			}
			me := oidMustMe(t, oidBearer(s, servertest.ConnectJSON, s.iss.Sign(s.iss.Claims("rot", nil))))
			if me.GetId() != first.GetId() {
				t.Fatalf("after rotation the subject is user %s; want %s", me.GetId(), first.GetId())
			}
			if d := s.iss.JWKSFetches() - fetches; d != 1 {
				t.Fatalf("JWKS fetches for the new key = %d; want 1", d)
			}
			// Known keys are not fetched again.
			oidMustMe(t, oidBearer(s, servertest.ConnectJSON, s.iss.Sign(s.iss.Claims("rot", nil))))
			if d := s.iss.JWKSFetches() - fetches; d != 1 {
				t.Fatalf("JWKS fetches after another token = %d; want still 1", d)
			}
			// The browser flow signs with the new key too.
			s.iss.NextLogin("rot", nil)
			cookie, _ := s.browser(t).login("")
			if me := oidMustMe(t, oidCookieClients(t, s.URL, servertest.ConnectJSON, cookie)); me.GetId() != first.GetId() {
				t.Fatalf("browser sign-in after rotation is user %s; want %s", me.GetId(), first.GetId())
			}
		})
	}
}

// TestOIDCLoginRefused runs browser logins that must fail without
// creating a user or a session.
func TestOIDCLoginRefused(t *testing.T) {
	t.Parallel()
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := oidStart(t, b)
			_, admin := oidAdmin(t, s)

			t.Run("nonce mismatch", func(t *testing.T) {
				s.iss.NextLogin("nonce-sub", oidVerified("nonce@example.com", "Nonce"))
				before := servertest.Snapshot(t, s.Server.DB)
				br := s.browser(t)
				cb := br.authorize(br.start(""))
				s.iss.SetNonceOverride("a-nonce-from-another-login")
				br.wantRefused(cb, http.StatusUnauthorized)
				oidUnchanged(t, s, before, "a login with the wrong nonce")
				if got := oidIdentities(t, s, "nonce-sub"); len(got) != 0 {
					t.Fatalf("identities = %v; want none", got)
				}
			})

			t.Run("replayed state", func(t *testing.T) {
				s.iss.NextLogin("replay-sub", oidVerified("replay@example.com", "Replay"))
				br := s.browser(t)
				auth := br.start("")
				state := oidQuery(t, auth, "state")
				cb := br.authorize(auth)
				resp, body := br.callback(cb)
				if resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("first callback: status %d (%s); want 303", resp.StatusCode, body)
				}
				before := servertest.Snapshot(t, s.Server.DB)
				tokens := s.iss.Requests("/token")
				// The same browser again: its login cookie is gone.
				br.wantRefused(cb, http.StatusBadRequest)
				// Even with the login cookie kept (put back by hand), the state
				// is used up.
				br.jar.SetCookies(oidURL(t, s.URL+"/auth"), []*http.Cookie{{Name: oidLoginCookie, Value: state, Path: "/auth"}})
				br.wantRefused(cb, http.StatusBadRequest)
				oidUnchanged(t, s, before, "a replayed callback")
				if n := s.iss.Requests("/token"); n != tokens {
					t.Fatalf("a replayed callback reached the issuer's /token (%d requests; want %d)", n, tokens)
				}
			})

			t.Run("callback in another browser", func(t *testing.T) {
				s.iss.NextLogin("csrf-sub", oidVerified("csrf@example.com", "Csrf"))
				victim := s.browser(t)
				cb := victim.authorize(victim.start(""))
				before := servertest.Snapshot(t, s.Server.DB)
				tokens := s.iss.Requests("/token")
				s.browser(t).wantRefused(cb, http.StatusBadRequest)
				oidUnchanged(t, s, before, "a callback from another browser")
				if n := s.iss.Requests("/token"); n != tokens {
					t.Fatalf("a callback without the login cookie reached the issuer's /token")
				}
				// The refusal did not use up the login of the browser that
				// started it.
				resp, body := victim.callback(cb)
				if resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("callback in the right browser after the refusal: status %d (%s); want 303", resp.StatusCode, body)
				}
			})

			t.Run("unverified email does not claim an invitation", func(t *testing.T) {
				ws := oidWorkspace(t, admin, "Target")
				oidInvite(t, admin, ws, "victim@example.com")
				s.iss.NextLogin("mallory-sub", map[string]any{"email": "victim@example.com", "email_verified": false, "name": "Mallory"})
				cookie, _ := s.browser(t).login("")
				c := oidCookieClients(t, s.URL, servertest.ConnectJSON, cookie)
				me := oidMustMe(t, c)
				if me.GetEmail() != "" || me.GetDisplayName() != "Mallory" {
					t.Fatalf("user from an unverified email = %v; want no email, display name Mallory", me)
				}
				if got := oidIdentities(t, s, "mallory-sub"); len(got) != 1 || got[0] != me.GetId() {
					t.Fatalf("identities = %v; want one, of %s", got, me.GetId())
				}
				if m := oidMember(t, admin, ws, "victim@example.com"); m.GetState() != workspacev1.MemberState_MEMBER_STATE_PENDING || m.GetUserId() != "" {
					t.Fatalf("invitation after an unverified sign-in = %v; want still pending", m)
				}
				_, err := c.Workspaces.GetWorkspace(context.Background(), connect.NewRequest(&workspacev1.GetWorkspaceRequest{WorkspaceId: ws}))
				servertest.WantCode(t, err, connect.CodeNotFound)

				// The same as a bearer ID token, with email_verified "false".
				tok := s.iss.Sign(s.iss.Claims("mallory-2", map[string]any{"email": "victim@example.com", "email_verified": "false"}))
				me2 := oidMustMe(t, oidBearer(s, servertest.ConnectJSON, tok))
				if me2.GetEmail() != "" {
					t.Fatalf("bearer user from an unverified email = %v; want no email", me2)
				}
				if m := oidMember(t, admin, ws, "victim@example.com"); m.GetState() != workspacev1.MemberState_MEMBER_STATE_PENDING {
					t.Fatalf("invitation after an unverified bearer sign-in = %v; want still pending", m)
				}
			})

			t.Run("deactivated user", func(t *testing.T) {
				s.iss.NextLogin("dave-sub", oidVerified("dave@example.com", "Dave"))
				cookie, _ := s.browser(t).login("")
				dave := oidMustMe(t, oidCookieClients(t, s.URL, servertest.GRPCWeb, cookie))
				_, err := admin.Users.DeactivateUser(context.Background(), connect.NewRequest(&userv1.DeactivateUserRequest{UserId: dave.GetId()}))
				servertest.NoErr(t, err)
				_, err = oidMe(oidCookieClients(t, s.URL, servertest.GRPCWeb, cookie))
				servertest.WantCode(t, err, connect.CodeUnauthenticated)

				before := servertest.Snapshot(t, s.Server.DB)
				br := s.browser(t)
				br.wantRefused(br.authorize(br.start("")), http.StatusUnauthorized)
				_, err = oidMe(oidBearer(s, servertest.ConnectJSON, s.iss.Sign(s.iss.Claims("dave-sub", oidVerified("dave@example.com", "Dave")))))
				servertest.WantCode(t, err, connect.CodeUnauthenticated)
				oidUnchanged(t, s, before, "sign-ins of a deactivated user")
			})
		})
	}
}

// TestOIDCLoginAllowedDomains limits sign-in to verified emails of a
// domain.
func TestOIDCLoginAllowedDomains(t *testing.T) {
	t.Parallel()
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := oidStart(t, b, func(c *config.Config) { c.OIDCAllowedDomains = []string{"example.com"} })
			oidAdmin(t, s)
			refusedLogins := []struct {
				name  string
				extra map[string]any
			}{
				{"other domain", oidVerified("eve@evil.test", "Eve")},
				{"look-alike domain", oidVerified("eve@evilexample.com", "Eve")},
				{"unverified email of the domain", map[string]any{"email": "eve@example.com", "email_verified": false}},
				{"no email", map[string]any{"name": "Eve"}},
			}
			for i, tc := range refusedLogins {
				t.Run(tc.name, func(t *testing.T) {
					sub := fmt.Sprintf("eve-%d", i)
					before := servertest.Snapshot(t, s.Server.DB)
					s.iss.NextLogin(sub, tc.extra)
					br := s.browser(t)
					br.wantRefused(br.authorize(br.start("")), http.StatusUnauthorized)
					_, err := oidMe(oidBearer(s, servertest.ConnectJSON, s.iss.Sign(s.iss.Claims(sub, tc.extra))))
					servertest.WantCode(t, err, connect.CodeUnauthenticated)
					oidUnchanged(t, s, before, "a sign-in from outside the allowed domains")
				})
			}
			// The allowed domain signs in, both ways.
			s.iss.NextLogin("ok-sub", oidVerified("Ok@Example.COM", "Ok"))
			cookie, _ := s.browser(t).login("")
			me := oidMustMe(t, oidCookieClients(t, s.URL, servertest.ConnectJSON, cookie))
			if me.GetEmail() != "ok@example.com" {
				t.Fatalf("allowed user = %v; want ok@example.com", me)
			}
			tok := s.iss.Sign(s.iss.Claims("ok-2", oidVerified("ok2@example.com", "Ok 2")))
			if me := oidMustMe(t, oidBearer(s, servertest.ConnectJSON, tok)); me.GetEmail() != "ok2@example.com" {
				t.Fatalf("allowed bearer user = %v; want ok2@example.com", me)
			}
		})
	}
}

// TestOIDCSessionLifetime ends sessions after the configured maximum age
// and idle time.
func TestOIDCSessionLifetime(t *testing.T) {
	t.Parallel()
	for _, b := range servertest.Backends {
		for _, tc := range []struct {
			name         string
			idle, maxAge time.Duration
		}{
			{"max age", time.Hour, 2 * time.Second},
			{"idle", 2 * time.Second, time.Hour},
		} {
			t.Run(b.Name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				s := oidStart(t, b, func(c *config.Config) { c.SessionIdleTimeout, c.SessionMaxAge = tc.idle, tc.maxAge })
				s.iss.NextLogin("short-sub", oidVerified("short@example.com", "Short"))
				br := s.browser(t)
				resp, body := br.callback(br.authorize(br.start("")))
				sc, ok := oidCookie(resp, oidSessionCookie)
				if resp.StatusCode != http.StatusSeeOther || !ok {
					t.Fatalf("callback: status %d (%s), no session cookie", resp.StatusCode, body)
				}
				if want := int(tc.maxAge.Seconds()); sc.MaxAge != want {
					t.Fatalf("session cookie Max-Age = %d; want %d (the session's maximum age)", sc.MaxAge, want)
				}
				c := oidCookieClients(t, s.URL, servertest.ConnectJSON, sc.Value)
				sess, err := c.Auth.GetSession(context.Background(), connect.NewRequest(&authv1.GetSessionRequest{}))
				servertest.NoErr(t, err)
				end := sess.Msg.GetSession().GetExpireTime().AsTime()
				if tc.idle < tc.maxAge {
					end = sess.Msg.GetSession().GetIdleExpireTime().AsTime()
				}
				if d := time.Until(end); d <= 0 || d > 2*time.Second {
					t.Fatalf("session ends in %v; want within 2s", d)
				}
				time.Sleep(time.Until(end) + 100*time.Millisecond)
				_, err = oidMe(c)
				servertest.WantCode(t, err, connect.CodeUnauthenticated, "INVALID_SESSION")
			})
		}
	}
}

// TestOIDCSessionIdleExtendedByUse uses a session more often than its
// idle timeout for longer than the timeout: it must stay valid, since it
// is never idle that long.
func TestOIDCSessionIdleExtendedByUse(t *testing.T) {
	t.Parallel()
	const idle = 2 * time.Second
	s := oidStart(t, servertest.Backends[0], func(c *config.Config) { c.SessionIdleTimeout = idle })
	s.iss.NextLogin("busy-sub", oidVerified("busy@example.com", "Busy"))
	cookie, _ := s.browser(t).login("")
	c := oidCookieClients(t, s.URL, servertest.ConnectJSON, cookie)
	start := time.Now()
	for time.Since(start) < idle+time.Second {
		if _, err := oidMe(c); err != nil {
			t.Fatalf("a session used every %v ended %v after sign-in with an idle timeout of %v: %v",
				idle/4, time.Since(start).Round(10*time.Millisecond), idle, err)
		}
		time.Sleep(idle / 4)
	}
}

// oidConnectError is a Connect protocol error body.
type oidConnectError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"details"`
}

func (e oidConnectError) reason(t *testing.T) string {
	t.Helper()
	for _, d := range e.Details {
		if d.Type != "pyairtable.common.v1.ErrorInfo" {
			continue
		}
		raw, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(d.Value, "="))
		if err != nil {
			t.Fatalf("detail value %q: %v", d.Value, err)
		}
		var info commonv1.ErrorInfo
		if err := proto.Unmarshal(raw, &info); err != nil {
			t.Fatal(err)
		}
		return info.GetReason()
	}
	return ""
}

// oidPost posts body to a procedure with the content type and the session
// cookie, as a page of another site (text/plain) or a script would.
func oidPost(t *testing.T, base, procedure, contentType, cookie, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+procedure, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Cookie", oidSessionCookie+"="+cookie)
	hc := &http.Client{Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", procedure, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(raw)
}

// TestOIDCSessionCSRF refuses cookie-authenticated calls that another site
// could forge.
func TestOIDCSessionCSRF(t *testing.T) {
	t.Parallel()
	s := oidStart(t, servertest.Backends[0])
	s.iss.NextLogin("csrf-sub", oidVerified("csrf@example.com", "Csrf"))
	cookie, _ := s.browser(t).login("")
	me := oidMustMe(t, oidCookieClients(t, s.URL, servertest.ConnectJSON, cookie))

	t.Run("application/json is served", func(t *testing.T) {
		status, body := oidPost(t, s.URL, oidGetCurrentUserPath, "application/json", cookie, "{}")
		if status != http.StatusOK || !strings.Contains(body, me.GetId()) {
			t.Fatalf("JSON call with the cookie: status %d (%s); want 200 with user %s", status, body, me.GetId())
		}
	})
	for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded"} {
		t.Run(ct, func(t *testing.T) {
			status, body := oidPost(t, s.URL, oidGetCurrentUserPath, ct, cookie, "{}")
			if status == http.StatusOK || strings.Contains(body, me.GetId()) {
				t.Fatalf("%s call with the cookie was served: status %d (%s)", ct, status, body)
			}
			var e oidConnectError
			if err := json.Unmarshal([]byte(body), &e); err != nil || status != http.StatusUnauthorized || e.Code != "unauthenticated" {
				t.Fatalf("%s call with the cookie: status %d, body %q; want 401 unauthenticated (reason CSRF_CHECK_FAILED)", ct, status, body)
			}
			if r := e.reason(t); r != "CSRF_CHECK_FAILED" {
				t.Fatalf("reason = %q (%s); want CSRF_CHECK_FAILED", r, body)
			}
		})
	}
}

// TestOIDCSessionRPCs lists and ends sessions, and signs out.
func TestOIDCSessionRPCs(t *testing.T) {
	t.Parallel()
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := oidStart(t, b)
			ctx := context.Background()
			admin, _ := oidAdmin(t, s)
			s.iss.NextLogin("sam-sub", oidVerified("sam@example.com", "Sam"))
			var browsers []*oidBrowser
			var cookies []string
			for range 3 {
				br := s.browser(t)
				cookie, _ := br.login("")
				browsers = append(browsers, br)
				cookies = append(cookies, cookie)
			}
			c0 := browsers[0].clients(servertest.ConnectJSON)
			sam := oidMustMe(t, c0)

			list, err := c0.Auth.ListSessions(ctx, connect.NewRequest(&authv1.ListSessionsRequest{}))
			servertest.NoErr(t, err)
			var listed, current []string
			for _, ss := range list.Msg.GetSessions() {
				listed = append(listed, ss.GetId())
				if ss.GetCurrent() {
					current = append(current, ss.GetId())
				}
				if ss.GetUserId() != sam.GetId() {
					t.Fatalf("listed session %v is not Sam's", ss)
				}
			}
			want := []string{oidSessionID(cookies[2]), oidSessionID(cookies[1]), oidSessionID(cookies[0])}
			if !slices.Equal(listed, want) {
				t.Fatalf("ListSessions = %v; want %v (newest first)", listed, want)
			}
			if !slices.Equal(current, []string{oidSessionID(cookies[0])}) {
				t.Fatalf("current sessions = %v; want %s", current, oidSessionID(cookies[0]))
			}

			// Another user can neither see nor end Sam's sessions.
			other := s.Clients(servertest.ConnectJSON, admin.Token)
			_, err = other.Auth.GetSession(ctx, connect.NewRequest(&authv1.GetSessionRequest{SessionId: oidSessionID(cookies[1])}))
			servertest.WantCode(t, err, connect.CodeNotFound)
			_, err = other.Auth.RevokeSession(ctx, connect.NewRequest(&authv1.RevokeSessionRequest{SessionId: oidSessionID(cookies[1])}))
			servertest.WantCode(t, err, connect.CodeNotFound)
			oidMustMe(t, browsers[1].clients(servertest.GRPCWeb))

			// RevokeSession of another session ends it at once (it was used,
			// so cached, just above).
			rev, err := c0.Auth.RevokeSession(ctx, connect.NewRequest(&authv1.RevokeSessionRequest{SessionId: oidSessionID(cookies[1])}))
			servertest.NoErr(t, err)
			if rev.Msg.GetSession().GetRevokeTime() == nil || rev.Msg.GetSession().GetCurrent() {
				t.Fatalf("RevokeSession = %v; want a revoke time, not current", rev.Msg.GetSession())
			}
			_, err = oidMe(browsers[1].clients(servertest.GRPCWeb))
			servertest.WantCode(t, err, connect.CodeUnauthenticated, "INVALID_SESSION")
			oidMustMe(t, c0)
			oidMustMe(t, browsers[2].clients(servertest.GRPCWeb))

			// RevokeAllSessions keeping the current one ends the third.
			all, err := c0.Auth.RevokeAllSessions(ctx, connect.NewRequest(&authv1.RevokeAllSessionsRequest{KeepCurrent: true}))
			servertest.NoErr(t, err)
			if all.Msg.GetRevokedCount() != 1 {
				t.Fatalf("RevokeAllSessions revoked %d; want 1", all.Msg.GetRevokedCount())
			}
			_, err = oidMe(browsers[2].clients(servertest.ConnectJSON))
			servertest.WantCode(t, err, connect.CodeUnauthenticated, "INVALID_SESSION")
			oidMustMe(t, c0)
			list, err = c0.Auth.ListSessions(ctx, connect.NewRequest(&authv1.ListSessionsRequest{}))
			servertest.NoErr(t, err)
			if ss := list.Msg.GetSessions(); len(ss) != 1 || ss[0].GetId() != oidSessionID(cookies[0]) || !ss[0].GetCurrent() {
				t.Fatalf("ListSessions after revocations = %v; want only the current one", ss)
			}

			// POST /auth/logout ends the session and clears the cookie.
			resp, body := browsers[0].do(http.MethodPost, s.URL+"/auth/logout", nil)
			if resp.StatusCode != http.StatusNoContent {
				t.Fatalf("POST /auth/logout: status %d (%s); want 204", resp.StatusCode, body)
			}
			if sc, ok := oidCookie(resp, oidSessionCookie); !ok || sc.Value != "" || sc.MaxAge >= 0 || sc.Path != "/" {
				t.Fatalf("logout cookie = %+v; want %s cleared (empty, Max-Age=0, Path=/)", sc, oidSessionCookie)
			}
			_, err = oidMe(oidCookieClients(t, s.URL, servertest.ConnectJSON, cookies[0]))
			servertest.WantCode(t, err, connect.CodeUnauthenticated, "INVALID_SESSION")
			// The browser no longer sends a cookie: an anonymous call.
			_, err = oidMe(browsers[0].clients(servertest.GRPCWeb))
			servertest.WantCode(t, err, connect.CodeUnauthenticated)

			// RevokeAllSessions without keep_current ends the caller's too.
			c := s.browser(t)
			fresh, _ := c.login("")
			_, err = oidCookieClients(t, s.URL, servertest.ConnectJSON, fresh).Auth.RevokeAllSessions(ctx,
				connect.NewRequest(&authv1.RevokeAllSessionsRequest{}))
			servertest.NoErr(t, err)
			_, err = oidMe(oidCookieClients(t, s.URL, servertest.ConnectJSON, fresh))
			servertest.WantCode(t, err, connect.CodeUnauthenticated, "INVALID_SESSION")
		})
	}
}

func oidQuery(t *testing.T, raw, key string) string {
	t.Helper()
	return oidURL(t, raw).Query().Get(key)
}

func oidURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestOIDCLoginRateLimited: starting logins (which stores state) is limited
// per client address like other calls without credentials.
func TestOIDCLoginRateLimited(t *testing.T) {
	s := oidStart(t, servertest.Backends[0], func(c *config.Config) {
		c.AnonRateLimit, c.AnonRateBurst = 0.1, 2
	})
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var codes []int
	for range 3 {
		resp, err := hc.Get(s.URL + "/auth/login")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests && resp.Header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	if codes[0] != http.StatusFound || codes[1] != http.StatusFound || codes[2] != http.StatusTooManyRequests {
		t.Fatalf("login statuses %v; want 302, 302, 429", codes)
	}
	if n := oidCount(t, s, "login_states"); n != 2 {
		t.Fatalf("%d login states stored; want 2", n)
	}
}
