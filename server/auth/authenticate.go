package auth

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/cache"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/pagetoken"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Cache keeps token look-ups. Invalidate must reach every server sharing
// it, and Fill must not overwrite a key invalidated moments before.
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Fill(ctx context.Context, key string, val []byte, ttl time.Duration) error
	Invalidate(ctx context.Context, keys ...string) error
}

// cacheTTL bounds how long a cached token entry lives without use.
const cacheTTL = 5 * time.Minute

// lastUsedEvery is how often a token's last-used time is written.
const lastUsedEvery = time.Minute

// Service authenticates callers and manages tokens.
type Service struct {
	db    *storage.DB
	cache Cache
	pages *pagetoken.Codec
	log   *slog.Logger
	now   func() time.Time

	sessions SessionPolicy
	idTokens IDTokenVerifier

	mu       sync.Mutex
	lastUsed map[string]time.Time // token or session id -> last write of its use time by this process

	decoded cache.Decoded[*cachedToken] // cached tokens decoded, by token id
}

// IDTokenVerifier authenticates bearer ID tokens from an OIDC issuer.
type IDTokenVerifier interface {
	// Principal returns the caller of a valid ID token, provisioning the
	// user on first sign-in; Unauthenticated for an invalid one.
	Principal(ctx context.Context, db *storage.DB, raw string) (*access.Principal, error)
}

// SetIDTokens makes bearer ID tokens acceptable, verified by v.
func (s *Service) SetIDTokens(v IDTokenVerifier) { s.idTokens = v }

// NewService returns a Service over the database and the token cache.
func NewService(db *storage.DB, cache Cache, pages *pagetoken.Codec, log *slog.Logger) *Service {
	return &Service{
		db: db, cache: cache, pages: pages, log: log,
		now:      func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		lastUsed: map[string]time.Time{},
		sessions: SessionPolicy{Idle: 7 * 24 * time.Hour, MaxAge: 30 * 24 * time.Hour},
	}
}

// cachedToken is what the cache keeps for a token: everything needed to
// authenticate without the database.
type cachedToken struct {
	UserID       string     `json:"u"`
	SecretHash   string     `json:"h"`
	Scopes       []string   `json:"s"`
	WorkspaceIDs []string   `json:"w,omitempty"`
	BaseIDs      []string   `json:"b,omitempty"`
	ExpiresAt    *time.Time `json:"e,omitempty"`
	Revoked      bool       `json:"r,omitempty"`
	UserActive   bool       `json:"a"`
	Admin        bool       `json:"d,omitempty"`
}

func cacheKey(tokenID string) string { return "tok:" + tokenID }

// badCredentials is returned for credentials that are malformed, unknown,
// revoked, expired or belong to a deactivated user. The message does not say
// which, so it tells an attacker nothing.
func badCredentials() error {
	return apperr.New(apperr.Unauthenticated, "INVALID_CREDENTIALS",
		"the token is invalid, expired or revoked; create a new one with `pyairtable token create` or CreateToken")
}

// IsPersonalAccessToken reports whether a bearer credential has the shape of
// a personal access token ("pat" + 14 characters + "." + secret).
func IsPersonalAccessToken(bearer string) bool {
	id, _, ok := strings.Cut(bearer, ".")
	return ok && ids.Valid(ids.Token, id)
}

// AuthenticateToken checks a personal access token and returns its caller.
func (s *Service) AuthenticateToken(ctx context.Context, bearer string) (*access.Principal, error) {
	id, secret, ok := strings.Cut(bearer, ".")
	if !ok || !ids.Valid(ids.Token, id) || len(secret) != secretLength {
		return nil, badCredentials()
	}
	entry, err := s.lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	if entry == nil || subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(entry.SecretHash)) != 1 {
		return nil, badCredentials()
	}
	now := s.now()
	if entry.Revoked || !entry.UserActive || (entry.ExpiresAt != nil && !now.Before(*entry.ExpiresAt)) {
		return nil, badCredentials()
	}
	s.touch(ctx, id, now)
	return &access.Principal{
		UserID:       entry.UserID,
		Admin:        entry.Admin,
		TokenID:      id,
		Scopes:       nonNil(entry.Scopes),
		WorkspaceIDs: entry.WorkspaceIDs,
		BaseIDs:      entry.BaseIDs,
		ExpiresAt:    entry.ExpiresAt,
	}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// lookup returns a token's entry from the cache or the database; nil when
// there is no such token.
func (s *Service) lookup(ctx context.Context, id string) (*cachedToken, error) {
	key := cacheKey(id)
	if raw, ok, err := s.cache.Get(ctx, key); err != nil {
		s.log.WarnContext(ctx, "token cache read failed; using the database", "err", err)
	} else if ok {
		if e, ok := s.decoded.Lookup(id, raw); ok {
			return e, nil
		}
		var e cachedToken
		if err := json.Unmarshal(raw, &e); err == nil {
			s.decoded.Store(id, raw, &e)
			return &e, nil
		}
	}
	var row struct {
		Token
		Admin         bool       `bun:"admin"`
		DeactivatedAt *time.Time `bun:"deactivated_at"`
	}
	err := s.db.NewSelect().
		ColumnExpr("t.*, u.admin, u.deactivated_at").
		TableExpr("tokens AS t").
		Join("JOIN users AS u ON u.id = t.user_id").
		Where("t.id = ?", id).
		Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, apperr.Wrap(err, "look up token")
	}
	e := &cachedToken{
		UserID: row.UserID, SecretHash: row.SecretHash, Scopes: row.Scopes,
		WorkspaceIDs: row.WorkspaceIDs, BaseIDs: row.BaseIDs, ExpiresAt: row.ExpiresAt,
		Revoked: row.RevokedAt != nil, UserActive: row.DeactivatedAt == nil, Admin: row.Admin,
	}
	if raw, err := json.Marshal(e); err == nil {
		if err := s.cache.Fill(ctx, key, raw, cacheTTL); err != nil {
			s.log.WarnContext(ctx, "token cache fill failed", "err", err)
		}
	}
	return e, nil
}

// touch records the token's use, at most once a minute per token: this
// process remembers its last write, and the update itself skips rows
// written less than a minute ago by any server.
func (s *Service) touch(ctx context.Context, id string, now time.Time) {
	s.mu.Lock()
	if last, ok := s.lastUsed[id]; ok && now.Sub(last) < lastUsedEvery {
		s.mu.Unlock()
		return
	}
	s.lastUsed[id] = now
	if len(s.lastUsed) > 100_000 {
		clear(s.lastUsed)
	}
	s.mu.Unlock()
	_, err := s.db.NewUpdate().Table("tokens").Set("last_used_at = ?", now).
		Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", id, now.Add(-lastUsedEvery)).
		Exec(context.WithoutCancel(ctx))
	if err != nil {
		s.log.WarnContext(ctx, "record token use", "token_id", id, "err", err)
	}
}

// DB returns the database the service uses, for callers that run its
// writes in their own transaction.
func (s *Service) DB() bun.IDB { return s.db }

// Authenticate returns the caller named by the request: a personal access
// token or an OIDC ID token in "Authorization: Bearer …" (told apart by
// shape), or else the session cookie, which is only accepted on requests
// another site could not forge (see csrfSafe). Without credentials it
// returns nil and no error; bad credentials are Unauthenticated.
func (s *Service) Authenticate(ctx context.Context, method string, h http.Header) (*access.Principal, error) {
	v := strings.TrimSpace(h.Get("Authorization"))
	if v == "" {
		return s.authenticateCookie(ctx, method, h)
	}
	scheme, cred, _ := strings.Cut(v, " ")
	cred = strings.TrimSpace(cred)
	if !strings.EqualFold(scheme, "bearer") || cred == "" {
		return nil, apperr.New(apperr.Unauthenticated, "INVALID_CREDENTIALS",
			`the Authorization header must be "Bearer <token>"`)
	}
	switch {
	case IsPersonalAccessToken(cred):
		return s.AuthenticateToken(ctx, cred)
	case strings.Count(cred, ".") == 2:
		if s.idTokens == nil {
			return nil, apperr.New(apperr.Unauthenticated, "OIDC_NOT_CONFIGURED",
				"this server does not accept ID tokens (no PYAIRTABLE_OIDC_ISSUER); use a personal access token")
		}
		return s.idTokens.Principal(ctx, s.db, cred)
	default:
		return nil, badCredentials()
	}
}

func (s *Service) authenticateCookie(ctx context.Context, method string, h http.Header) (*access.Principal, error) {
	c, err := (&http.Request{Header: h}).Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil, nil
	}
	if !csrfSafe(method, h) {
		return nil, CSRFError()
	}
	return s.AuthenticateSession(ctx, c.Value)
}
