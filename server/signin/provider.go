// Package signin signs people in with an OpenID Connect provider: it
// verifies bearer ID tokens, runs the browser login flow (authorization
// code with PKCE, state and nonce kept server-side) that ends in a server
// session cookie, and provisions users and identities on first sign-in.
package signin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config configures sign-in with one issuer.
type Config struct {
	Issuer         string
	ClientID       string
	ClientSecret   string
	RedirectURL    string
	Audiences      []string // accepted besides ClientID
	AllowedDomains []string // empty: any
	NameClaim      string
	PostLoginURL   string
	Scopes         []string
	// AllowedOrigins may be the target of a post-login redirect.
	AllowedOrigins []string
}

// Provider is a configured OIDC issuer. Discovery happens on first use and
// is retried (at most every 10 seconds) while the issuer is unreachable, so
// the server starts and serves tokens even when the issuer is down.
type Provider struct {
	cfg    Config
	client *http.Client

	mu        sync.Mutex
	ready     *discovered
	lastTry   time.Time
	lastError error
}

type discovered struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	keys     *keySet
}

// NewProvider returns a provider for the configuration.
func NewProvider(cfg Config) *Provider {
	if cfg.NameClaim == "" {
		cfg.NameClaim = "name"
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{oidc.ScopeOpenID, "email", "profile"}
	}
	if !slices.Contains(cfg.Scopes, oidc.ScopeOpenID) {
		cfg.Scopes = append([]string{oidc.ScopeOpenID}, cfg.Scopes...)
	}
	return &Provider{cfg: cfg, client: &http.Client{Timeout: 15 * time.Second}}
}

// Warm runs discovery now.
func (p *Provider) Warm(ctx context.Context) error {
	_, err := p.get(ctx)
	return err
}

// Issuer returns the issuer URL.
func (p *Provider) Issuer() string { return p.cfg.Issuer }

// errUnavailable is returned while the issuer cannot be reached.
var errUnavailable = errors.New("the sign-in provider is unreachable")

func (p *Provider) get(ctx context.Context) (*discovered, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ready != nil {
		return p.ready, nil
	}
	if time.Since(p.lastTry) < 10*time.Second && p.lastError != nil {
		return nil, fmt.Errorf("%w: %v", errUnavailable, p.lastError)
	}
	p.lastTry = time.Now()
	d, err := p.discover(ctx)
	if err != nil {
		p.lastError = err
		return nil, fmt.Errorf("%w: %v", errUnavailable, err)
	}
	p.ready = d
	return d, nil
}

func (p *Provider) discover(ctx context.Context) (*discovered, error) {
	ctx = oidc.ClientContext(ctx, p.client)
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	prov, err := oidc.NewProvider(ctx, p.cfg.Issuer)
	if err != nil {
		return nil, err
	}
	var meta struct {
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := prov.Claims(&meta); err != nil {
		return nil, fmt.Errorf("read discovery document: %w", err)
	}
	if meta.JWKSURI == "" {
		return nil, errors.New("discovery document has no jwks_uri")
	}
	var algs []string
	for _, a := range meta.Algs {
		for _, ok := range asymmetricAlgs {
			if string(ok) == a {
				algs = append(algs, a)
			}
		}
	}
	if len(algs) == 0 {
		algs = []string{oidc.RS256}
	}
	keys := newKeySet(meta.JWKSURI, p.client)
	return &discovered{
		oauth: oauth2.Config{
			ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret,
			Endpoint: prov.Endpoint(), RedirectURL: p.cfg.RedirectURL, Scopes: p.cfg.Scopes,
		},
		verifier: oidc.NewVerifier(p.cfg.Issuer, keys, &oidc.Config{
			SkipClientIDCheck:    true, // audiences are checked below, against several
			SupportedSigningAlgs: algs,
		}),
		keys: keys,
	}, nil
}

// Claims are the ID token claims sign-in uses.
type Claims struct {
	Issuer        string
	Subject       string
	Email         string // empty unless verified
	EmailVerified bool
	Name          string
	Nonce         string
}

// verify checks an ID token: signature against the issuer's keys, issuer,
// expiry and not-before, and an accepted audience (the client id, or one of
// the configured further audiences when acceptExtra).
func (p *Provider) verify(ctx context.Context, raw string, acceptExtra bool) (*Claims, error) {
	d, err := p.get(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := d.verifier.Verify(oidc.ClientContext(ctx, p.client), raw)
	if err != nil {
		return nil, err
	}
	accepted := []string{p.cfg.ClientID}
	if acceptExtra {
		accepted = append(accepted, p.cfg.Audiences...)
	}
	if !slices.ContainsFunc(tok.Audience, func(a string) bool { return slices.Contains(accepted, a) }) {
		return nil, fmt.Errorf("audience %v is not accepted", tok.Audience)
	}
	var raws map[string]any
	if err := tok.Claims(&raws); err != nil {
		return nil, err
	}
	c := &Claims{Issuer: tok.Issuer, Subject: tok.Subject, Nonce: tok.Nonce}
	if c.Subject == "" {
		return nil, errors.New("token has no subject")
	}
	c.EmailVerified = raws["email_verified"] == true || raws["email_verified"] == "true"
	if email, _ := raws["email"].(string); email != "" && c.EmailVerified {
		c.Email = strings.ToLower(strings.TrimSpace(email))
	}
	c.Name, _ = raws[p.cfg.NameClaim].(string)
	return c, nil
}

// domainAllowed applies the allowed domains to a (verified) email.
func (p *Provider) domainAllowed(email string) bool {
	if len(p.cfg.AllowedDomains) == 0 {
		return true
	}
	_, domain, ok := strings.Cut(email, "@")
	if !ok {
		return false
	}
	for _, d := range p.cfg.AllowedDomains {
		if strings.EqualFold(strings.TrimPrefix(d, "@"), domain) {
			return true
		}
	}
	return false
}

// KeyFetches reports how often the issuer's keys were fetched (0 before
// discovery).
func (p *Provider) KeyFetches() int {
	p.mu.Lock()
	d := p.ready
	p.mu.Unlock()
	if d == nil {
		return 0
	}
	return d.keys.Fetches()
}
