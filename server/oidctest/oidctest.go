// Package oidctest provides an OpenID Connect identity provider for tests.
//
// The provider runs inside the test process on a real loopback HTTP server
// (net/http/httptest), so relying-party code can be exercised end to end with
// the ordinary client libraries: discovery, JWKS retrieval and key rotation,
// and the authorization-code flow with PKCE (S256) and nonces. It also offers
// helpers to mint ID tokens directly, including deliberately broken ones
// (foreign key, unknown kid, alg "none", HS256 key confusion) for negative
// tests.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

const (
	// DefaultClientID is the client id used when Config.ClientID is empty.
	DefaultClientID = "pyairtable"
	// DefaultSubject is the subject of authorization-code logins until
	// NextLogin is called.
	DefaultSubject = "user-1"

	// CodeLifetime is how long an authorization code stays redeemable.
	CodeLifetime = time.Minute
	// TokenLifetime is the lifetime of tokens built by Claims and issued by
	// the token endpoint.
	TokenLifetime = 5 * time.Minute

	rsaKeyBits = 2048
)

// Config configures an Issuer.
type Config struct {
	// ClientID is the only client the issuer knows. Default "pyairtable".
	ClientID string
	// ClientSecret, when empty, makes the client public: the token endpoint
	// then requires the client to identify itself (client_id) but not to
	// authenticate. When set, the token endpoint accepts client_secret_basic
	// or client_secret_post and refuses anything else with
	// 401 {"error":"invalid_client"}.
	ClientSecret string
}

// Issuer is an OpenID Connect provider for tests, served by an
// httptest.Server. All methods and endpoints are safe for concurrent use.
type Issuer struct {
	// URL is the issuer identifier and base URL of every endpoint, e.g.
	// http://127.0.0.1:PORT (no trailing slash).
	URL string

	t            testing.TB
	srv          *httptest.Server
	clientID     string
	clientSecret string
	jwksFetches  atomic.Int64

	mu            sync.Mutex
	keySeq        int
	current       *signingKey
	published     []*signingKey // keys in the JWKS, current first
	foreign       *rsa.PrivateKey
	loginSubject  string
	loginExtra    map[string]any
	nonceOverride string
	codes         map[string]*authCode
	requests      map[string]int
}

type signingKey struct {
	kid  string
	priv *rsa.PrivateKey
}

type authCode struct {
	clientID      string
	redirectURI   string
	nonce         string
	codeChallenge string
	subject       string
	extra         map[string]any
	expires       time.Time
}

// Start starts an Issuer on a loopback httptest.Server. The server is closed
// by t.Cleanup.
func Start(t testing.TB, cfg Config) *Issuer {
	t.Helper()
	if cfg.ClientID == "" {
		cfg.ClientID = DefaultClientID
	}
	i := &Issuer{
		t:            t,
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		loginSubject: DefaultSubject,
		codes:        make(map[string]*authCode),
		requests:     make(map[string]int),
	}
	key, err := i.newSigningKey()
	if err != nil {
		t.Fatalf("oidctest: generating signing key: %v", err)
	}
	i.current = key
	i.published = []*signingKey{key}

	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", i.handleDiscovery)
	mux.HandleFunc("/jwks", i.handleJWKS)
	mux.HandleFunc("/authorize", i.handleAuthorize)
	mux.HandleFunc("/token", i.handleToken)
	// The URL is fixed before the server starts so handlers never race with
	// its assignment.
	i.srv = httptest.NewUnstartedServer(i.countRequests(mux))
	i.URL = "http://" + i.srv.Listener.Addr().String()
	i.srv.Start()
	t.Cleanup(i.srv.Close)
	if i.srv.URL != i.URL {
		t.Fatalf("oidctest: server URL %q differs from issuer URL %q", i.srv.URL, i.URL)
	}
	return i
}

// ClientID returns the client id the issuer accepts.
func (i *Issuer) ClientID() string { return i.clientID }

// ClientSecret returns the configured client secret ("" for a public client).
func (i *Issuer) ClientSecret() string { return i.clientSecret }

// KeyID returns the key id of the current signing key.
func (i *Issuer) KeyID() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.current.kid
}

// Claims returns a fresh standard claim set for subject: iss=i.URL, sub,
// aud=client id, iat=now, nbf=now, exp=now+5m (times as Unix seconds), plus
// extra. Entries in extra win over the standard claims; a nil value in extra
// deletes the claim.
func (i *Issuer) Claims(sub string, extra map[string]any) map[string]any {
	now := time.Now()
	c := map[string]any{
		"iss": i.URL,
		"sub": sub,
		"aud": i.clientID,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(TokenLifetime).Unix(),
	}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// SignOption changes how Sign builds a token.
type SignOption struct {
	apply func(*signSettings)
}

type signMode int

const (
	signRS256 signMode = iota
	signForeign
	signNone
	signHS256PublicKey
)

type signSettings struct {
	mode   signMode
	kid    string
	hasKID bool
}

// WithKID puts kid in the token header instead of the current key id. The
// signing key is unchanged, so an unknown kid makes a token whose key cannot
// be found in the JWKS.
func WithKID(kid string) SignOption {
	return SignOption{func(s *signSettings) { s.kid, s.hasKID = kid, true }}
}

// WithForeignKey signs with an RSA key that is never published in the JWKS
// while keeping the current kid in the header, producing a token with a bad
// signature.
func WithForeignKey() SignOption {
	return SignOption{func(s *signSettings) { s.mode = signForeign }}
}

// WithAlgNone produces an unsigned token: header {"alg":"none"} (plus a kid
// only if WithKID is also given) and an empty signature part.
func WithAlgNone() SignOption {
	return SignOption{func(s *signSettings) { s.mode = signNone }}
}

// WithHS256PublicKey signs with HS256, using as HMAC key the current RSA
// public key in PEM (PKIX) form: the classic algorithm-confusion attack. The
// header carries the current kid.
func WithHS256PublicKey() SignOption {
	return SignOption{func(s *signSettings) { s.mode = signHS256PublicKey }}
}

// Sign returns a compact JWS of claims signed with the current key (RS256,
// header kid = current key id, typ "JWT") unless opts say otherwise. A failure
// (for example claims that cannot be encoded as JSON) fails the test and
// returns "".
func (i *Issuer) Sign(claims map[string]any, opts ...SignOption) string {
	i.t.Helper()
	tok, err := i.sign(claims, opts...)
	if err != nil {
		i.t.Errorf("oidctest: signing token: %v", err)
		return ""
	}
	return tok
}

func (i *Issuer) sign(claims map[string]any, opts ...SignOption) (string, error) {
	var s signSettings
	for _, o := range opts {
		if o.apply != nil {
			o.apply(&s)
		}
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encoding claims: %w", err)
	}

	i.mu.Lock()
	key := i.current
	i.mu.Unlock()
	kid := key.kid
	if s.hasKID {
		kid = s.kid
	}

	var signingKey jose.SigningKey
	switch s.mode {
	case signNone:
		header := map[string]any{"alg": "none"}
		if s.hasKID {
			header["kid"] = kid
		}
		h, err := json.Marshal(header)
		if err != nil {
			return "", err
		}
		enc := base64.RawURLEncoding
		return enc.EncodeToString(h) + "." + enc.EncodeToString(payload) + ".", nil
	case signHS256PublicKey:
		der, err := x509.MarshalPKIXPublicKey(&key.priv.PublicKey)
		if err != nil {
			return "", err
		}
		pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		signingKey = jose.SigningKey{Algorithm: jose.HS256, Key: pemKey}
	case signForeign:
		priv, err := i.foreignKey()
		if err != nil {
			return "", err
		}
		signingKey = jose.SigningKey{Algorithm: jose.RS256, Key: priv}
	default:
		signingKey = jose.SigningKey{Algorithm: jose.RS256, Key: key.priv}
	}

	so := (&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), kid)
	signer, err := jose.NewSigner(signingKey, so)
	if err != nil {
		return "", fmt.Errorf("creating signer: %w", err)
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("signing: %w", err)
	}
	return jws.CompactSerialize()
}

// foreignKey returns the issuer's unpublished RSA key, generating it on first
// use.
func (i *Issuer) foreignKey() (*rsa.PrivateKey, error) {
	i.mu.Lock()
	k := i.foreign
	i.mu.Unlock()
	if k != nil {
		return k, nil
	}
	k, err := rsa.GenerateKey(rand.Reader, rsaKeyBits)
	if err != nil {
		return nil, err
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.foreign == nil {
		i.foreign = k
	}
	return i.foreign, nil
}

func (i *Issuer) newSigningKey() (*signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, rsaKeyBits)
	if err != nil {
		return nil, err
	}
	i.mu.Lock()
	i.keySeq++
	seq := i.keySeq
	i.mu.Unlock()
	return &signingKey{kid: fmt.Sprintf("key-%d-%s", seq, randomHex(4)), priv: priv}, nil
}

// Rotate makes a new RSA key current, with a new kid. With keepOld the keys
// already in the JWKS stay published next to the new one; without it the
// JWKS holds only the new key.
func (i *Issuer) Rotate(keepOld bool) {
	i.t.Helper()
	key, err := i.newSigningKey()
	if err != nil {
		i.t.Errorf("oidctest: generating signing key: %v", err)
		return
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.current = key
	if keepOld {
		i.published = append([]*signingKey{key}, i.published...)
	} else {
		i.published = []*signingKey{key}
	}
}

// JWKSFetches reports how many times /jwks has been requested.
func (i *Issuer) JWKSFetches() int { return int(i.jwksFetches.Load()) }

// NextLogin sets the subject and extra claims (e.g. email, email_verified,
// name) that authorization-code logins put in the ID token. It applies to
// every later call to /authorize until changed. The default is subject
// "user-1" with no claims beyond the standard ones. extra is copied.
func (i *Issuer) NextLogin(sub string, extra map[string]any) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.loginSubject = sub
	i.loginExtra = maps.Clone(extra)
}

// SetNonceOverride makes the next ID token issued by /token carry nonce
// instead of the one sent to /authorize (for "nonce mismatch" tests). The
// override is used once; "" turns it off.
func (i *Issuer) SetNonceOverride(nonce string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.nonceOverride = nonce
}

// Requests reports the number of requests served on path, e.g. "/token".
func (i *Issuer) Requests(path string) int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.requests[path]
}

func (i *Issuer) countRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i.mu.Lock()
		i.requests[r.URL.Path]++
		i.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (i *Issuer) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	authMethods := []string{"none"}
	if i.clientSecret != "" {
		authMethods = []string{"client_secret_basic", "client_secret_post"}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                i.URL,
		"authorization_endpoint":                i.URL + "/authorize",
		"token_endpoint":                        i.URL + "/token",
		"jwks_uri":                              i.URL + "/jwks",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "email", "profile"},
		"token_endpoint_auth_methods_supported": authMethods,
		"claims_supported": []string{
			"iss", "sub", "aud", "iat", "nbf", "exp", "nonce",
			"email", "email_verified", "name",
		},
	})
}

func (i *Issuer) handleJWKS(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	i.jwksFetches.Add(1)
	i.mu.Lock()
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(i.published))}
	for _, k := range i.published {
		set.Keys = append(set.Keys, jose.JSONWebKey{
			Key:       &k.priv.PublicKey,
			KeyID:     k.kid,
			Algorithm: string(jose.RS256),
			Use:       "sig",
		})
	}
	i.mu.Unlock()
	writeJSON(w, http.StatusOK, set)
}

func (i *Issuer) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet) {
		return
	}
	q := r.URL.Query()
	fail := func(format string, args ...any) {
		http.Error(w, fmt.Sprintf(format, args...), http.StatusBadRequest)
	}
	if rt := q.Get("response_type"); rt != "code" {
		fail("unsupported response_type %q: want \"code\"", rt)
		return
	}
	if id := q.Get("client_id"); id != i.clientID {
		fail("unknown client_id %q", id)
		return
	}
	redirectURI := q.Get("redirect_uri")
	if redirectURI == "" {
		fail("redirect_uri is required")
		return
	}
	ru, err := url.Parse(redirectURI)
	if err != nil || (ru.Scheme != "http" && ru.Scheme != "https") || ru.Host == "" || ru.Fragment != "" {
		fail("redirect_uri %q must be an absolute http(s) URL without a fragment", redirectURI)
		return
	}
	if !hasScope(q.Get("scope"), "openid") {
		fail("scope %q must contain \"openid\"", q.Get("scope"))
		return
	}
	state := q.Get("state")
	if state == "" {
		fail("state is required")
		return
	}
	nonce := q.Get("nonce")
	if nonce == "" {
		fail("nonce is required")
		return
	}
	challenge := q.Get("code_challenge")
	if challenge == "" {
		fail("code_challenge is required")
		return
	}
	if m := q.Get("code_challenge_method"); m != "S256" {
		fail("code_challenge_method %q is not supported: want \"S256\"", m)
		return
	}
	if b, err := base64.RawURLEncoding.DecodeString(challenge); err != nil || len(b) != sha256.Size {
		fail("code_challenge is not a base64url-encoded SHA-256 digest")
		return
	}

	code := randomToken()
	i.mu.Lock()
	i.codes[code] = &authCode{
		clientID:      i.clientID,
		redirectURI:   redirectURI,
		nonce:         nonce,
		codeChallenge: challenge,
		subject:       i.loginSubject,
		extra:         maps.Clone(i.loginExtra),
		expires:       time.Now().Add(CodeLifetime),
	}
	i.mu.Unlock()

	rq := ru.Query()
	rq.Set("code", code)
	rq.Set("state", state)
	ru.RawQuery = rq.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, ru.String(), http.StatusFound)
}

type tokenError struct {
	status      int
	code        string
	description string
}

func (i *Issuer) handleToken(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodPost) {
		return
	}
	resp, terr := i.exchange(r)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if terr != nil {
		if terr.status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="oidctest"`)
		}
		writeJSON(w, terr.status, map[string]string{
			"error":             terr.code,
			"error_description": terr.description,
		})
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (i *Issuer) exchange(r *http.Request) (map[string]any, *tokenError) {
	invalidRequest := func(desc string) *tokenError {
		return &tokenError{http.StatusBadRequest, "invalid_request", desc}
	}
	invalidGrant := func(desc string) *tokenError {
		return &tokenError{http.StatusBadRequest, "invalid_grant", desc}
	}

	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, invalidRequest("body must be application/x-www-form-urlencoded")
	}
	if err := r.ParseForm(); err != nil {
		return nil, invalidRequest("malformed form body")
	}
	form := r.PostForm
	if gt := form.Get("grant_type"); gt != "authorization_code" {
		if gt == "" {
			return nil, invalidRequest("grant_type is required")
		}
		return nil, &tokenError{http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type %q is not supported", gt)}
	}

	clientID, terr := i.authenticateClient(r, form)
	if terr != nil {
		return nil, terr
	}

	code := form.Get("code")
	if code == "" {
		return nil, invalidRequest("code is required")
	}
	redirectURI := form.Get("redirect_uri")
	verifier := form.Get("code_verifier")

	i.mu.Lock()
	ac, ok := i.codes[code]
	// Codes are single use: any redemption attempt consumes the code,
	// successful or not.
	delete(i.codes, code)
	if !ok || time.Now().After(ac.expires) {
		i.mu.Unlock()
		return nil, invalidGrant("authorization code is unknown, expired or already used")
	}
	if ac.clientID != clientID {
		i.mu.Unlock()
		return nil, invalidGrant("authorization code was issued to another client")
	}
	if redirectURI != ac.redirectURI {
		i.mu.Unlock()
		return nil, invalidGrant("redirect_uri does not match the authorization request")
	}
	if !validVerifier(verifier) {
		i.mu.Unlock()
		return nil, invalidGrant("code_verifier is missing or malformed")
	}
	sum := sha256.Sum256([]byte(verifier))
	if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(ac.codeChallenge)) != 1 {
		i.mu.Unlock()
		return nil, invalidGrant("code_verifier does not match code_challenge")
	}
	nonce := ac.nonce
	if i.nonceOverride != "" {
		nonce = i.nonceOverride
		i.nonceOverride = ""
	}
	i.mu.Unlock()

	extra := maps.Clone(ac.extra)
	if extra == nil {
		extra = make(map[string]any, 1)
	}
	extra["nonce"] = nonce
	idToken, err := i.sign(i.Claims(ac.subject, extra))
	if err != nil {
		return nil, &tokenError{http.StatusInternalServerError, "server_error", err.Error()}
	}
	return map[string]any{
		"access_token": randomToken(),
		"token_type":   "Bearer",
		"expires_in":   int(TokenLifetime / time.Second),
		"id_token":     idToken,
	}, nil
}

// authenticateClient identifies (public client) or authenticates
// (confidential client) the caller of the token endpoint and returns its
// client id.
func (i *Issuer) authenticateClient(r *http.Request, form url.Values) (string, *tokenError) {
	invalidClient := func(desc string) *tokenError {
		return &tokenError{http.StatusUnauthorized, "invalid_client", desc}
	}
	basicID, basicSecret, hasBasic := r.BasicAuth()
	if hasBasic {
		// RFC 6749 section 2.3.1: credentials are form-encoded before
		// being put in the Authorization header.
		var err1, err2 error
		basicID, err1 = url.QueryUnescape(basicID)
		basicSecret, err2 = url.QueryUnescape(basicSecret)
		if err1 != nil || err2 != nil {
			return "", invalidClient("malformed Basic credentials")
		}
	}
	postID := form.Get("client_id")
	_, hasPostSecret := form["client_secret"]
	postSecret := form.Get("client_secret")
	if hasBasic && postID != "" && postID != basicID {
		return "", invalidClient("client_id in body and Authorization header differ")
	}

	if i.clientSecret == "" {
		id := postID
		if hasBasic {
			id = basicID
		}
		if id == "" {
			return "", invalidClient("client_id is required")
		}
		if id != i.clientID {
			return "", invalidClient(fmt.Sprintf("unknown client_id %q", id))
		}
		return id, nil
	}

	switch {
	case hasBasic && hasPostSecret:
		return "", invalidClient("more than one client authentication method used")
	case hasBasic:
		if basicID != i.clientID || !secretEqual(basicSecret, i.clientSecret) {
			return "", invalidClient("client authentication failed")
		}
		return basicID, nil
	case hasPostSecret:
		if postID != i.clientID || !secretEqual(postSecret, i.clientSecret) {
			return "", invalidClient("client authentication failed")
		}
		return postID, nil
	default:
		return "", invalidClient("client authentication required (client_secret_basic or client_secret_post)")
	}
}

func secretEqual(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// validVerifier reports whether v is a syntactically valid PKCE code
// verifier (RFC 7636 section 4.1).
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for _, c := range v {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

func hasScope(scope, want string) bool {
	for _, s := range strings.Fields(scope) {
		if s == want {
			return true
		}
	}
	return false
}

func allowMethods(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
