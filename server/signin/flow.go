package signin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/uptrace/bun"
	"golang.org/x/oauth2"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/auth"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/ratelimit"
	"github.com/pyairtable/pyairtable/server/storage"
)

// loginCookie binds a login in progress to the browser that started it, so
// a callback from another browser (login CSRF) is refused.
const loginCookie = "pyairtable_login"

// loginTTL is how long a started login may take.
const loginTTL = 10 * time.Minute

// loginState is a login in progress, kept server-side.
type loginState struct {
	bun.BaseModel `bun:"table:login_states"`

	StateHash string    `bun:"state_hash,pk"`
	Nonce     string    `bun:"nonce"`
	Verifier  string    `bun:"verifier"`
	ReturnTo  string    `bun:"return_to"`
	CreatedAt time.Time `bun:"created_at"`
	ExpiresAt time.Time `bun:"expires_at"`
}

// Flow serves the browser login: /auth/login, /auth/callback and
// /auth/logout.
type Flow struct {
	Provider *Provider // nil when OIDC is not configured
	DB       *storage.DB
	Sessions *auth.Service
	// CookieSecure is "auto" (Secure over TLS or with an https redirect
	// URL), "true" or "false".
	CookieSecure string
	Log          *slog.Logger
	// Limiter, when set, limits logins started per client address.
	Limiter Limiter
}

// Limiter decides whether a key may make one more request.
type Limiter interface {
	Allow(ctx context.Context, key string) (ratelimit.Decision, error)
}

// Mount adds the login endpoints to mux.
func (f *Flow) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /auth/login", f.login)
	mux.HandleFunc("GET /auth/callback", f.callback)
	mux.HandleFunc("POST /auth/logout", f.logout)
}

func hashState(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}

func (f *Flow) secure(r *http.Request) bool {
	switch f.CookieSecure {
	case "true":
		return true
	case "false":
		return false
	}
	return r.TLS != nil || (f.Provider != nil && strings.HasPrefix(f.Provider.cfg.RedirectURL, "https://"))
}

func fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(msg + "\n"))
}

func (f *Flow) login(w http.ResponseWriter, r *http.Request) {
	if f.Provider == nil {
		fail(w, http.StatusNotFound, "sign-in with OpenID Connect is not configured on this server (PYAIRTABLE_OIDC_ISSUER)")
		return
	}
	if f.Limiter != nil {
		if d, err := f.Limiter.Allow(r.Context(), "login:"+clientIP(r)); err == nil && !d.Allowed {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(d.RetryAfter.Seconds())))))
			fail(w, http.StatusTooManyRequests, "too many sign-ins started from this address; retry after "+d.RetryAfter.Round(time.Second).String())
			return
		}
	}
	d, err := f.Provider.get(r.Context())
	if err != nil {
		f.Log.WarnContext(r.Context(), "login: provider unavailable", "err", err)
		fail(w, http.StatusServiceUnavailable, "the sign-in provider cannot be reached; try again shortly")
		return
	}
	returnTo := r.URL.Query().Get("return_to")
	if returnTo != "" {
		if returnTo = f.safeReturn(returnTo); returnTo == "" {
			fail(w, http.StatusBadRequest, "return_to must be a path on this server or an allowed origin")
			return
		}
	}
	state, nonce, verifier := ids.Random(43), ids.Random(43), oauth2.GenerateVerifier()
	now := time.Now().UTC()
	ctx := r.Context()
	err = f.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewDelete().Table("login_states").Where("expires_at < ?", now).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(&loginState{
			StateHash: hashState(state), Nonce: nonce, Verifier: verifier, ReturnTo: returnTo,
			CreatedAt: now, ExpiresAt: now.Add(loginTTL),
		}).Exec(ctx)
		return err
	})
	if err != nil {
		f.Log.ErrorContext(ctx, "login: store state", "err", err)
		fail(w, http.StatusInternalServerError, "could not start the sign-in; try again")
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: loginCookie, Value: state, Path: "/auth", MaxAge: int(loginTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: f.secure(r),
	})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, d.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

func (f *Flow) callback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if f.Provider == nil {
		fail(w, http.StatusNotFound, "sign-in with OpenID Connect is not configured on this server")
		return
	}
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		fail(w, http.StatusUnauthorized, "the sign-in provider refused: "+e+" "+q.Get("error_description"))
		return
	}
	state, code := q.Get("state"), q.Get("code")
	if state == "" || code == "" {
		fail(w, http.StatusBadRequest, "the callback needs code and state")
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
		fail(w, http.StatusBadRequest, "this sign-in was not started in this browser; start again at /auth/login")
		return
	}
	// The state is used up now, whatever happens next.
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/auth", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: f.secure(r)})
	ls, err := f.takeState(ctx, state)
	if err != nil {
		fail(w, http.StatusBadRequest, err.Error())
		return
	}
	d, err := f.Provider.get(ctx)
	if err != nil {
		fail(w, http.StatusServiceUnavailable, "the sign-in provider cannot be reached; try again shortly")
		return
	}
	tok, err := d.oauth.Exchange(oidc.ClientContext(ctx, f.Provider.client), code, oauth2.VerifierOption(ls.Verifier))
	if err != nil {
		f.Log.WarnContext(ctx, "login: code exchange failed", "err", err)
		fail(w, http.StatusUnauthorized, "the sign-in provider did not accept the login; start again")
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		fail(w, http.StatusUnauthorized, "the sign-in provider sent no ID token")
		return
	}
	claims, err := f.Provider.verify(ctx, raw, false)
	if err != nil {
		f.Log.WarnContext(ctx, "login: ID token refused", "err", err)
		fail(w, http.StatusUnauthorized, "the ID token from the sign-in provider is not valid")
		return
	}
	if subtle.ConstantTimeCompare([]byte(claims.Nonce), []byte(ls.Nonce)) != 1 {
		f.Log.WarnContext(ctx, "login: nonce mismatch")
		fail(w, http.StatusUnauthorized, "the ID token does not belong to this sign-in (nonce mismatch); start again")
		return
	}
	u, err := f.Provider.userFor(ctx, f.DB, claims)
	if err != nil {
		msg := "sign-in failed"
		if e, ok := apperr.As(err); ok && e.Kind != apperr.Internal {
			msg = e.Message
		} else {
			f.Log.ErrorContext(ctx, "login: provision user", "err", err)
		}
		fail(w, http.StatusUnauthorized, msg)
		return
	}
	var cookie string
	err = f.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, cookie, err = f.Sessions.CreateSession(ctx, tx, u.ID, r.UserAgent(), clientIP(r))
		return err
	})
	if err != nil {
		f.Log.ErrorContext(ctx, "login: create session", "err", err)
		fail(w, http.StatusInternalServerError, "could not start the session; try again")
		return
	}
	policy := f.Sessions.SessionPolicyOf()
	http.SetCookie(w, &http.Cookie{
		Name: auth.SessionCookie, Value: cookie, Path: "/", MaxAge: int(policy.MaxAge.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: f.secure(r),
	})
	target := ls.ReturnTo
	if target == "" {
		target = f.Provider.cfg.PostLoginURL
	}
	if target == "" {
		target = "/"
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// takeState consumes a login state: it works once, within its expiry.
func (f *Flow) takeState(ctx context.Context, state string) (*loginState, error) {
	ls := new(loginState)
	err := f.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewSelect().Model(ls).Where("state_hash = ?", hashState(state)).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return errReplayed
		}
		if err != nil {
			return err
		}
		res, err := tx.NewDelete().Model(ls).WherePK().Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errReplayed
		}
		return nil
	})
	if err != nil {
		if !errors.Is(err, errReplayed) {
			f.Log.ErrorContext(ctx, "login: read state", "err", err)
		}
		return nil, errReplayed
	}
	if time.Now().After(ls.ExpiresAt) {
		return nil, errors.New("this sign-in took too long; start again at /auth/login")
	}
	return ls, nil
}

var errReplayed = errors.New("this sign-in link was already used or is unknown; start again at /auth/login")

func (f *Flow) logout(w http.ResponseWriter, r *http.Request) {
	if !f.sameOrigin(r) {
		fail(w, http.StatusForbidden, "logout must come from this site or an allowed origin")
		return
	}
	ctx := r.Context()
	if c, err := r.Cookie(auth.SessionCookie); err == nil && c.Value != "" {
		if who, err := f.Sessions.AuthenticateSession(ctx, c.Value); err == nil {
			err := f.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
				_, err := f.Sessions.RevokeSession(ctx, tx, who.UserID, who.SessionID)
				return err
			})
			if err != nil {
				f.Log.ErrorContext(ctx, "logout", "err", err)
				fail(w, http.StatusInternalServerError, "could not end the session; try again")
				return
			}
		}
	}
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: f.secure(r)})
	if rt := f.safeReturn(r.URL.Query().Get("return_to")); rt != "" {
		http.Redirect(w, r, rt, http.StatusSeeOther)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// safeReturn returns where a browser may be sent after login or logout: a
// cleaned path on this server, or a URL on the post-login URL's origin or
// an allowed CORS origin; "" when the target is refused. Backslashes and
// control characters are refused outright (browsers read "/\evil" and
// "/<tab>/evil" as another site).
func (f *Flow) safeReturn(target string) string {
	unsafe := func(v string) bool {
		return strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' })
	}
	if target == "" || unsafe(target) {
		return ""
	}
	u, err := url.Parse(target)
	if err != nil || u.User != nil || unsafe(u.Path) {
		return ""
	}
	if u.Scheme == "" && u.Host == "" {
		if !strings.HasPrefix(u.Path, "/") {
			return ""
		}
		clean := url.URL{Path: path.Clean(u.Path), RawQuery: u.RawQuery, Fragment: u.Fragment}
		if strings.HasPrefix(clean.Path, "//") {
			return ""
		}
		return clean.String()
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || f.Provider == nil {
		return ""
	}
	origin := u.Scheme + "://" + u.Host
	if p, err := url.Parse(f.Provider.cfg.PostLoginURL); err == nil && p.Host != "" && p.Scheme+"://"+p.Host == origin {
		return u.String()
	}
	if slices.Contains(f.Provider.cfg.AllowedOrigins, origin) {
		return u.String()
	}
	return ""
}

// sameOrigin refuses a cross-site request that names another origin.
func (f *Flow) sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return origin == ""
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if u.Host == r.Host {
		return true
	}
	return f.Provider != nil && slices.Contains(f.Provider.cfg.AllowedOrigins, origin)
}

func clientIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}
