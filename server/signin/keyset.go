package signin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// asymmetricAlgs are the signature algorithms an ID token may use. HMAC
// algorithms and "none" are never accepted: a public key must not double as
// a shared secret.
var asymmetricAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

// keySet holds the issuer's signing keys (its JWKS). A token signed with a
// key it does not know makes it fetch the JWKS again, so key rotation at
// the issuer is followed without a restart; the fetches are rate limited (a
// small burst, then one per refill interval), so a flood of tokens with
// made-up key ids cannot make the server hammer the issuer.
type keySet struct {
	url    string
	client *http.Client

	mu        sync.Mutex
	keys      []jose.JSONWebKey
	tokens    float64   // fetch budget
	lastCheck time.Time // when tokens was last refilled
	fetches   int
}

const (
	fetchBurst  = 3
	fetchRefill = 30 * time.Second
)

func newKeySet(url string, client *http.Client) *keySet {
	return &keySet{url: url, client: client, tokens: fetchBurst, lastCheck: time.Now()}
}

// VerifySignature checks a compact JWS against the issuer's keys and returns
// its payload.
func (k *keySet) VerifySignature(ctx context.Context, raw string) ([]byte, error) {
	jws, err := jose.ParseSigned(raw, asymmetricAlgs)
	if err != nil {
		return nil, fmt.Errorf("malformed token: %w", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, errors.New("token must carry exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	keys, err := k.keysFor(ctx, kid)
	if err != nil {
		return nil, err
	}
	for _, key := range keys {
		if payload, err := jws.Verify(key); err == nil {
			return payload, nil
		}
	}
	return nil, errors.New("signature does not match the issuer's keys")
}

// keysFor returns the keys that may have signed a token with the key id,
// fetching the JWKS again when the id is unknown and the budget allows.
func (k *keySet) keysFor(ctx context.Context, kid string) ([]jose.JSONWebKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if found := match(k.keys, kid); len(found) > 0 {
		return found, nil
	}
	now := time.Now()
	k.tokens = min(fetchBurst, k.tokens+now.Sub(k.lastCheck).Seconds()/fetchRefill.Seconds())
	k.lastCheck = now
	if k.tokens < 1 {
		return nil, fmt.Errorf("unknown signing key %q", kid)
	}
	k.tokens--
	keys, err := k.fetch(ctx)
	if err != nil {
		return nil, err
	}
	k.keys = keys
	if found := match(k.keys, kid); len(found) > 0 {
		return found, nil
	}
	return nil, fmt.Errorf("unknown signing key %q", kid)
}

func match(keys []jose.JSONWebKey, kid string) []jose.JSONWebKey {
	var out []jose.JSONWebKey
	for _, key := range keys {
		if key.Use != "" && key.Use != "sig" {
			continue
		}
		if kid == "" || key.KeyID == kid {
			out = append(out, key)
		}
	}
	return out
}

func (k *keySet) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	k.fetches++
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := k.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch issuer keys: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch issuer keys: HTTP %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("read issuer keys: %w", err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("decode issuer keys: %w", err)
	}
	var keys []jose.JSONWebKey
	for _, key := range set.Keys {
		if key.IsPublic() {
			keys = append(keys, key)
		}
	}
	return keys, nil
}

// Fetches returns how many times the JWKS was fetched.
func (k *keySet) Fetches() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.fetches
}
