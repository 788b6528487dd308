package oidctest_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/pyairtable/pyairtable/server/oidctest"
)

const redirectURL = "https://app.example.test/auth/callback"

func newProvider(t *testing.T, iss *oidctest.Issuer) *oidc.Provider {
	t.Helper()
	p, err := oidc.NewProvider(t.Context(), iss.URL)
	if err != nil {
		t.Fatalf("NewProvider: %v", err)
	}
	return p
}

func newVerifier(t *testing.T, iss *oidctest.Issuer) *oidc.IDTokenVerifier {
	t.Helper()
	return newProvider(t, iss).Verifier(&oidc.Config{ClientID: iss.ClientID()})
}

func oauthConfig(p *oidc.Provider, clientID, secret string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: secret,
		Endpoint:     p.Endpoint(),
		RedirectURL:  redirectURL,
		Scopes:       []string{oidc.ScopeOpenID, "email", "profile"},
	}
}

var noRedirects = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       10 * time.Second,
}

// authorize requests authURL without following the redirect and returns the
// code and state from the Location header.
func authorize(t *testing.T, authURL string) (code, state string) {
	t.Helper()
	resp, err := noRedirects.Get(authURL)
	if err != nil {
		t.Fatalf("GET /authorize: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET /authorize: status %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("parsing Location: %v", err)
	}
	if base := loc.Scheme + "://" + loc.Host + loc.Path; base != redirectURL {
		t.Fatalf("redirected to %q, want %q", base, redirectURL)
	}
	code, state = loc.Query().Get("code"), loc.Query().Get("state")
	if code == "" {
		t.Fatalf("no code in Location %q", loc)
	}
	return code, state
}

// login runs /authorize for cfg and returns the code and the PKCE verifier.
func login(t *testing.T, cfg *oauth2.Config, nonce string) (code, verifier string) {
	t.Helper()
	verifier = oauth2.GenerateVerifier()
	state := "state-" + nonce
	code, gotState := authorize(t, cfg.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)))
	if gotState != state {
		t.Fatalf("state = %q, want %q", gotState, state)
	}
	return code, verifier
}

func idTokenOf(t *testing.T, tok *oauth2.Token) string {
	t.Helper()
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		t.Fatalf("token response has no id_token")
	}
	return raw
}

func wantRetrieveError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("error = %v, want *oauth2.RetrieveError", err)
	}
	if re.Response.StatusCode != status || re.ErrorCode != code {
		t.Fatalf("token error = %d %q, want %d %q (%v)", re.Response.StatusCode, re.ErrorCode, status, code, err)
	}
}

func TestDiscovery(t *testing.T) {
	iss := oidctest.Start(t, oidctest.Config{})
	if iss.ClientID() != "pyairtable" {
		t.Errorf("default ClientID = %q", iss.ClientID())
	}
	if !strings.HasPrefix(iss.URL, "http://127.0.0.1:") {
		t.Errorf("URL = %q", iss.URL)
	}
	p := newProvider(t, iss)
	ep := p.Endpoint()
	if ep.AuthURL != iss.URL+"/authorize" || ep.TokenURL != iss.URL+"/token" {
		t.Errorf("endpoint = %+v", ep)
	}
	var meta struct {
		Issuer             string   `json:"issuer"`
		JWKSURI            string   `json:"jwks_uri"`
		ResponseTypes      []string `json:"response_types_supported"`
		SubjectTypes       []string `json:"subject_types_supported"`
		Algs               []string `json:"id_token_signing_alg_values_supported"`
		ChallengeMethods   []string `json:"code_challenge_methods_supported"`
		Scopes             []string `json:"scopes_supported"`
		TokenAuthMethods   []string `json:"token_endpoint_auth_methods_supported"`
		AuthorizationEndpt string   `json:"authorization_endpoint"`
	}
	if err := p.Claims(&meta); err != nil {
		t.Fatal(err)
	}
	check := func(name string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if meta.Issuer != iss.URL || meta.JWKSURI != iss.URL+"/jwks" {
		t.Errorf("issuer/jwks_uri = %q %q", meta.Issuer, meta.JWKSURI)
	}
	check("response_types_supported", meta.ResponseTypes, "code")
	check("subject_types_supported", meta.SubjectTypes, "public")
	check("id_token_signing_alg_values_supported", meta.Algs, "RS256")
	check("code_challenge_methods_supported", meta.ChallengeMethods, "S256")
	check("scopes_supported", meta.Scopes, "openid", "email", "profile")
	check("token_endpoint_auth_methods_supported", meta.TokenAuthMethods, "none")

	conf := oidctest.Start(t, oidctest.Config{ClientID: "other", ClientSecret: "s3cret"})
	if conf.ClientID() != "other" {
		t.Errorf("ClientID = %q", conf.ClientID())
	}
	if err := newProvider(t, conf).Claims(&meta); err != nil {
		t.Fatal(err)
	}
	check("token_endpoint_auth_methods_supported", meta.TokenAuthMethods, "client_secret_basic", "client_secret_post")
	if got := iss.Requests("/.well-known/openid-configuration"); got != 1 {
		t.Errorf("Requests(discovery) = %d, want 1", got)
	}
}

func TestJWKS(t *testing.T) {
	iss := oidctest.Start(t, oidctest.Config{})
	set := fetchJWKS(t, iss)
	if len(set.Keys) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(set.Keys))
	}
	k := set.Keys[0]
	if k.KeyID != iss.KeyID() || k.Use != "sig" || k.Algorithm != "RS256" || !k.IsPublic() || !k.Valid() {
		t.Errorf("JWK = kid %q use %q alg %q public %v", k.KeyID, k.Use, k.Algorithm, k.IsPublic())
	}
	if iss.JWKSFetches() != 1 || iss.Requests("/jwks") != 1 {
		t.Errorf("JWKSFetches = %d, Requests = %d, want 1", iss.JWKSFetches(), iss.Requests("/jwks"))
	}
}

func fetchJWKS(t *testing.T, iss *oidctest.Issuer) jose.JSONWebKeySet {
	t.Helper()
	resp, err := http.Get(iss.URL + "/jwks")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	return set
}

func kids(set jose.JSONWebKeySet) []string {
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.KeyID)
	}
	return out
}

func TestClaims(t *testing.T) {
	iss := oidctest.Start(t, oidctest.Config{})
	before := time.Now().Unix()
	c := iss.Claims("alice", map[string]any{"email": "a@example.test", "nbf": nil, "aud": "x"})
	if c["iss"] != iss.URL || c["sub"] != "alice" || c["aud"] != "x" || c["email"] != "a@example.test" {
		t.Errorf("claims = %v", c)
	}
	if _, ok := c["nbf"]; ok {
		t.Errorf("nbf not deleted: %v", c)
	}
	iat, exp := c["iat"].(int64), c["exp"].(int64)
	if iat < before || exp-iat != 300 {
		t.Errorf("iat = %d exp = %d", iat, exp)
	}
}

func TestVerifierAcceptsSignedToken(t *testing.T) {
	iss := oidctest.Start(t, oidctest.Config{})
	v := newVerifier(t, iss)
	tok, err := v.Verify(t.Context(), iss.Sign(iss.Claims("u", map[string]any{"email": "u@example.test"})))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	var c struct {
		Email string `json:"email"`
	}
	if err := tok.Claims(&c); err != nil {
		t.Fatal(err)
	}
	if tok.Subject != "u" || tok.Issuer != iss.URL || c.Email != "u@example.test" {
		t.Errorf("token = sub %q iss %q email %q", tok.Subject, tok.Issuer, c.Email)
	}
	hdr := tokenHeader(t, iss.Sign(iss.Claims("u", nil)))
	if hdr["alg"] != "RS256" || hdr["kid"] != iss.KeyID() {
		t.Errorf("header = %v", hdr)
	}
}

func tokenHeader(t *testing.T, token string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.SplitN(token, ".", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestVerifierRejects(t *testing.T) {
	iss := oidctest.Start(t, oidctest.Config{})
	v := newVerifier(t, iss)
	past := time.Now().Add(-time.Hour)
	cases := []struct {
		name  string
		token string
	}{
		{"foreign key", iss.Sign(iss.Claims("u", nil), oidctest.WithForeignKey())},
		{"alg none", iss.Sign(iss.Claims("u", nil), oidctest.WithAlgNone())},
		{"hs256 with public key", iss.Sign(iss.Claims("u", nil), oidctest.WithHS256PublicKey())},
		{"expired", iss.Sign(iss.Claims("u", map[string]any{"iat": past.Unix(), "nbf": past.Unix(), "exp": past.Add(time.Minute).Unix()}))},
		{"wrong audience", iss.Sign(iss.Claims("u", map[string]any{"aud": "someone-else"}))},
		{"wrong issuer", iss.Sign(iss.Claims("u", map[string]any{"iss": "https://evil.example.test"}))},
		{"unknown kid", iss.Sign(iss.Claims("u", nil), oidctest.WithKID("no-such-key"))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.token == "" {
				t.Fatal("empty token")
			}
			if _, err := v.Verify(t.Context(), tc.token); err == nil {
				t.Fatal("Verify accepted the token")
			} else {
				t.Logf("rejected: %v", err)
			}
		})
	}

	if h := tokenHeader(t, cases[1].token); len(h) != 1 || h["alg"] != "none" {
		t.Errorf("alg none header = %v", h)
	}
	if !strings.HasSuffix(cases[1].token, ".") {
		t.Errorf("alg none token %q has a signature", cases[1].token)
	}
	if h := tokenHeader(t, cases[2].token); h["alg"] != "HS256" || h["kid"] != iss.KeyID() {
		t.Errorf("HS256 header = %v", h)
	}
	if h := tokenHeader(t, cases[0].token); h["kid"] != iss.KeyID() {
		t.Errorf("foreign key header = %v", h)
	}

	// The HS256 token really is an HMAC over the PEM public key, i.e. a
	// verifier confusing key types would accept it.
	jws, err := jose.ParseSigned(cases[2].token, []jose.SignatureAlgorithm{jose.HS256})
	if err != nil {
		t.Fatal(err)
	}
	set := fetchJWKS(t, iss)
	pemKey := pemPublicKey(t, set.Keys[0].Key)
	if _, err := jws.Verify(pemKey); err != nil {
		t.Errorf("HS256 token does not verify with the PEM public key: %v", err)
	}
}

func TestRotateDropOld(t *testing.T) {
	iss := oidctest.Start(t, oidctest.Config{})
	v := newVerifier(t, iss)
	oldToken := iss.Sign(iss.Claims("u", nil))
	if _, err := v.Verify(t.Context(), oldToken); err != nil {
		t.Fatalf("Verify before rotation: %v", err)
	}
	oldKID := iss.KeyID()
	fetches := iss.JWKSFetches()

	iss.Rotate(false)
	if iss.KeyID() == oldKID {
		t.Fatal("Rotate kept the key id")
	}
	if got := kids(fetchJWKS(t, iss)); len(got) != 1 || got[0] != iss.KeyID() {
		t.Errorf("JWKS kids after Rotate(false) = %v", got)
	}
	fetches++ // fetchJWKS above

	newToken := iss.Sign(iss.Claims("u", nil))
	if h := tokenHeader(t, newToken); h["kid"] != iss.KeyID() {
		t.Errorf("header = %v", h)
	}
	if _, err := v.Verify(t.Context(), newToken); err != nil {
		t.Fatalf("Verify after rotation: %v", err)
	}
	if iss.JWKSFetches() <= fetches {
		t.Errorf("JWKSFetches = %d, want > %d (refetch on unknown kid)", iss.JWKSFetches(), fetches)
	}
	// A verifier that never saw the old key no longer accepts it.
	if _, err := newVerifier(t, iss).Verify(t.Context(), oldToken); err == nil {
		t.Error("fresh verifier accepted a token signed with the dropped key")
	}
}

func TestRotateKeepOld(t *testing.T) {
	iss := oidctest.Start(t, oidctest.Config{})
	oldKID := iss.KeyID()
	oldToken := iss.Sign(iss.Claims("u", nil))
	iss.Rotate(true)
	got := kids(fetchJWKS(t, iss))
	if len(got) != 2 || got[0] != iss.KeyID() || got[1] != oldKID {
		t.Errorf("JWKS kids after Rotate(true) = %v", got)
	}
	v := newVerifier(t, iss)
	for name, tok := range map[string]string{"old": oldToken, "new": iss.Sign(iss.Claims("u", nil))} {
		if _, err := v.Verify(t.Context(), tok); err != nil {
			t.Errorf("Verify %s: %v", name, err)
		}
	}
}

func TestCodeFlow(t *testing.T) {
	iss := oidctest.Start(t, oidctest.Config{})
	iss.NextLogin("alice", map[string]any{"email": "alice@example.test", "email_verified": true, "name": "Alice"})
	p := newProvider(t, iss)
	cfg := oauthConfig(p, iss.ClientID(), "")

	verifier := oauth2.GenerateVerifier()
	authURL := cfg.AuthCodeURL("xyz-state", oidc.Nonce("n-123"), oauth2.S256ChallengeOption(verifier))
	code, state := authorize(t, authURL)
	if state != "xyz-state" {
		t.Fatalf("state = %q", state)
	}
	tok, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if tok.AccessToken == "" || !strings.EqualFold(tok.TokenType, "Bearer") || tok.Expiry.IsZero() {
		t.Errorf("token = %+v", tok)
	}
	if d := time.Until(tok.Expiry); d < 4*time.Minute || d > 5*time.Minute+time.Second {
		t.Errorf("token expires in %v, want ~5m", d)
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: iss.ClientID()}).Verify(t.Context(), idTokenOf(t, tok))
	if err != nil {
		t.Fatalf("Verify id_token: %v", err)
	}
	if idt.Nonce != "n-123" || idt.Subject != "alice" {
		t.Errorf("id_token nonce %q sub %q", idt.Nonce, idt.Subject)
	}
	var c struct {
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
		Name          string `json:"name"`
	}
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	if c.Email != "alice@example.test" || !c.EmailVerified || c.Name != "Alice" {
		t.Errorf("claims = %+v", c)
	}
	if iss.Requests("/authorize") != 1 || iss.Requests("/token") != 1 {
		t.Errorf("Requests: authorize %d token %d", iss.Requests("/authorize"), iss.Requests("/token"))
	}

	// NextLogin applies to every later login.
	code, verifier = login(t, cfg, "n-2")
	tok, err = cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	idt, err = p.Verifier(&oidc.Config{ClientID: iss.ClientID()}).Verify(t.Context(), idTokenOf(t, tok))
	if err != nil || idt.Subject != "alice" || idt.Nonce != "n-2" {
		t.Fatalf("second login: %v sub %v", err, idt)
	}
}

func TestCodeFlowDefaultLogin(t *testing.T) {
	iss := oidctest.Start(t, oidctest.Config{})
	p := newProvider(t, iss)
	cfg := oauthConfig(p, iss.ClientID(), "")
	code, verifier := login(t, cfg, "n")
	tok, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: iss.ClientID()}).Verify(t.Context(), idTokenOf(t, tok))
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]any
	if err := idt.Claims(&all); err != nil {
		t.Fatal(err)
	}
	if idt.Subject != "user-1" || len(all) != 7 { // iss sub aud iat nbf exp nonce
		t.Errorf("default login claims = %v", all)
	}
}

func TestCodeFlowWrongVerifier(t *testing.T) {
	iss := oidctest.Start(t, oidctest.Config{})
	cfg := oauthConfig(newProvider(t, iss), iss.ClientID(), "")
	code, _ := login(t, cfg, "n")
	_, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(oauth2.GenerateVerifier()))
	wantRetrieveError(t, err, http.StatusBadRequest, "invalid_grant")

	code, _ = login(t, cfg, "n")
	_, err = cfg.Exchange(t.Context(), code) // no verifier at all
	wantRetrieveError(t, err, http.StatusBadRequest, "invalid_grant")
}

func TestCodeFlowReusedCode(t *testing.T) {
	iss := oidctest.Start(t, oidctest.Config{})
	cfg := oauthConfig(newProvider(t, iss), iss.ClientID(), "")
	code, verifier := login(t, cfg, "n")
	if _, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("first Exchange: %v", err)
	}
	_, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	wantRetrieveError(t, err, http.StatusBadRequest, "invalid_grant")

	_, err = cfg.Exchange(t.Context(), "never-issued", oauth2.VerifierOption(verifier))
	wantRetrieveError(t, err, http.StatusBadRequest, "invalid_grant")
}

func TestCodeFlowRedirectMismatch(t *testing.T) {
	iss := oidctest.Start(t, oidctest.Config{})
	cfg := oauthConfig(newProvider(t, iss), iss.ClientID(), "")
	code, verifier := login(t, cfg, "n")
	other := *cfg
	other.RedirectURL = "https://app.example.test/other"
	_, err := other.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	wantRetrieveError(t, err, http.StatusBadRequest, "invalid_grant")
}

func TestCodeFlowWrongClientID(t *testing.T) {
	iss := oidctest.Start(t, oidctest.Config{})
	cfg := oauthConfig(newProvider(t, iss), iss.ClientID(), "")
	code, verifier := login(t, cfg, "n")
	other := *cfg
	other.ClientID = "intruder"
	_, err := other.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
	wantRetrieveError(t, err, http.StatusUnauthorized, "invalid_client")
	// The failed client authentication did not burn the code.
	if _, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("Exchange after failed client auth: %v", err)
	}
}

func TestConfidentialClient(t *testing.T) {
	iss := oidctest.Start(t, oidctest.Config{ClientID: "conf", ClientSecret: "s3cret/+&="})
	p := newProvider(t, iss)
	v := p.Verifier(&oidc.Config{ClientID: "conf"})

	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleAutoDetect, oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		t.Run(fmt.Sprintf("style-%d", style), func(t *testing.T) {
			cfg := oauthConfig(p, "conf", "s3cret/+&=")
			cfg.Endpoint.AuthStyle = style
			code, verifier := login(t, cfg, "n")
			tok, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if _, err := v.Verify(t.Context(), idTokenOf(t, tok)); err != nil {
				t.Fatal(err)
			}
		})
	}

	t.Run("without secret", func(t *testing.T) {
		good := oauthConfig(p, "conf", "s3cret/+&=")
		code, verifier := login(t, good, "n")
		for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleAutoDetect, oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
			bad := oauthConfig(p, "conf", "")
			bad.Endpoint.AuthStyle = style
			_, err := bad.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
			wantRetrieveError(t, err, http.StatusUnauthorized, "invalid_client")
		}
		wrong := oauthConfig(p, "conf", "guess")
		_, err := wrong.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
		wantRetrieveError(t, err, http.StatusUnauthorized, "invalid_client")
		// Failed client authentication leaves the code usable.
		if _, err := good.Exchange(t.Context(), code, oauth2.VerifierOption(verifier)); err != nil {
			t.Fatalf("Exchange with secret: %v", err)
		}
	})

	t.Run("both methods", func(t *testing.T) {
		cfg := oauthConfig(p, "conf", "s3cret/+&=")
		code, verifier := login(t, cfg, "n")
		form := url.Values{
			"grant_type":    {"authorization_code"},
			"code":          {code},
			"redirect_uri":  {redirectURL},
			"code_verifier": {verifier},
			"client_id":     {"conf"},
			"client_secret": {"s3cret/+&="},
		}
		req, _ := http.NewRequest(http.MethodPost, iss.URL+"/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("conf", url.QueryEscape("s3cret/+&="))
		status, body := do(t, req)
		if status != http.StatusUnauthorized || body["error"] != "invalid_client" {
			t.Errorf("status %d body %v", status, body)
		}
	})
}

func do(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func TestTokenEndpointErrors(t *testing.T) {
	iss := oidctest.Start(t, oidctest.Config{})
	post := func(form url.Values, contentType string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, iss.URL+"/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", contentType)
		return do(t, req)
	}
	const formType = "application/x-www-form-urlencoded"
	cases := []struct {
		name   string
		form   url.Values
		ctype  string
		status int
		err    string
	}{
		{"no grant_type", url.Values{"client_id": {"pyairtable"}, "code": {"x"}}, formType, 400, "invalid_request"},
		{"refresh grant", url.Values{"grant_type": {"refresh_token"}, "client_id": {"pyairtable"}}, formType, 400, "unsupported_grant_type"},
		{"json body", url.Values{"grant_type": {"authorization_code"}}, "application/json", 400, "invalid_request"},
		{"no client_id", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}, formType, 401, "invalid_client"},
		{"no code", url.Values{"grant_type": {"authorization_code"}, "client_id": {"pyairtable"}}, formType, 400, "invalid_request"},
		{"unknown code", url.Values{"grant_type": {"authorization_code"}, "client_id": {"pyairtable"}, "code": {"x"}}, formType, 400, "invalid_grant"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(tc.form, tc.ctype)
			if status != tc.status || body["error"] != tc.err {
				t.Errorf("got %d %v, want %d %q", status, body, tc.status, tc.err)
			}
		})
	}
	resp, err := http.Get(iss.URL + "/token")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /token status %d", resp.StatusCode)
	}
}

func TestNonceOverride(t *testing.T) {
	iss := oidctest.Start(t, oidctest.Config{})
	p := newProvider(t, iss)
	cfg := oauthConfig(p, iss.ClientID(), "")
	v := p.Verifier(&oidc.Config{ClientID: iss.ClientID()})
	exchangeNonce := func(nonce string) string {
		t.Helper()
		code, verifier := login(t, cfg, nonce)
		tok, err := cfg.Exchange(t.Context(), code, oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		idt, err := v.Verify(t.Context(), idTokenOf(t, tok))
		if err != nil {
			t.Fatal(err)
		}
		return idt.Nonce
	}
	iss.SetNonceOverride("attacker-nonce")
	if got := exchangeNonce("mine"); got != "attacker-nonce" {
		t.Errorf("nonce = %q, want override", got)
	}
	if got := exchangeNonce("mine"); got != "mine" {
		t.Errorf("nonce after override was used = %q, want %q", got, "mine")
	}
	iss.SetNonceOverride("x")
	iss.SetNonceOverride("")
	if got := exchangeNonce("mine"); got != "mine" {
		t.Errorf("nonce after override was turned off = %q", got)
	}
}

func TestAuthorizeValidation(t *testing.T) {
	iss := oidctest.Start(t, oidctest.Config{})
	valid := url.Values{
		"response_type":         {"code"},
		"client_id":             {"pyairtable"},
		"redirect_uri":          {redirectURL},
		"scope":                 {"openid email"},
		"state":                 {"s"},
		"nonce":                 {"n"},
		"code_challenge":        {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())},
		"code_challenge_method": {"S256"},
	}
	with := func(key, value string) url.Values {
		q := url.Values{}
		for k, v := range valid {
			q[k] = v
		}
		if value == "" {
			q.Del(key)
		} else {
			q.Set(key, value)
		}
		return q
	}
	cases := []struct {
		name string
		q    url.Values
	}{
		{"token response_type", with("response_type", "token")},
		{"no response_type", with("response_type", "")},
		{"wrong client", with("client_id", "nope")},
		{"no redirect_uri", with("redirect_uri", "")},
		{"relative redirect_uri", with("redirect_uri", "/callback")},
		{"ftp redirect_uri", with("redirect_uri", "ftp://host/cb")},
		{"no openid scope", with("scope", "email profile")},
		{"no scope", with("scope", "")},
		{"no state", with("state", "")},
		{"no nonce", with("nonce", "")},
		{"no challenge", with("code_challenge", "")},
		{"plain method", with("code_challenge_method", "plain")},
		{"no method", with("code_challenge_method", "")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := noRedirects.Get(iss.URL + "/authorize?" + tc.q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
				t.Errorf("status %d content-type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
		})
	}

	// Existing query parameters on the redirect URI are preserved.
	q := with("redirect_uri", "http://localhost:8080/cb?tenant=7")
	resp, err := noRedirects.Get(iss.URL + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if loc.Host != "localhost:8080" || loc.Query().Get("tenant") != "7" || loc.Query().Get("state") != "s" || loc.Query().Get("code") == "" {
		t.Errorf("Location = %s", loc)
	}
}

func TestConcurrentLogins(t *testing.T) {
	iss := oidctest.Start(t, oidctest.Config{ClientSecret: "s"})
	p := newProvider(t, iss)
	cfg := oauthConfig(p, iss.ClientID(), "s")
	v := p.Verifier(&oidc.Config{ClientID: iss.ClientID()})
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, &http.Client{Timeout: 10 * time.Second})

	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for k := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			verifier := oauth2.GenerateVerifier()
			nonce := fmt.Sprintf("nonce-%d", k)
			resp, err := noRedirects.Get(cfg.AuthCodeURL("s", oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)))
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			loc, err := url.Parse(resp.Header.Get("Location"))
			if err != nil {
				errs <- err
				return
			}
			tok, err := cfg.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				errs <- err
				return
			}
			raw, _ := tok.Extra("id_token").(string)
			idt, err := v.Verify(ctx, raw)
			if err != nil {
				errs <- err
				return
			}
			if idt.Nonce != nonce {
				errs <- fmt.Errorf("nonce %q, want %q", idt.Nonce, nonce)
			}
			_ = iss.Requests("/token")
			_ = iss.JWKSFetches()
		}()
	}
	// Rotations concurrent with logins keep everything consistent.
	iss.Rotate(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := iss.Requests("/authorize"); got != n {
		t.Errorf("Requests(/authorize) = %d, want %d", got, n)
	}
}

func pemPublicKey(t *testing.T, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
