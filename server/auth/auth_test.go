package auth_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/auth"
	"github.com/pyairtable/pyairtable/server/cache"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/pagetoken"
	"github.com/pyairtable/pyairtable/server/servertest"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
	"github.com/pyairtable/pyairtable/server/user"
)

type fixture struct {
	db      *storage.DB
	svc     *auth.Service
	metrics *cache.Metrics
	userID  string
}

// eachBackend runs body on every engine with the in-process cache and
// with Redis.
func eachBackend(t *testing.T, body func(t *testing.T, f *fixture)) {
	for _, engine := range storagetest.Engines {
		for _, redis := range []bool{false, true} {
			name := string(engine) + "+memory"
			if redis {
				name = string(engine) + "+redis"
			}
			t.Run(name, func(t *testing.T) {
				db := storagetest.Open(t, engine)
				m := cache.NewMetrics(prometheus.NewRegistry())
				var c cache.Cache
				if redis {
					client, err := cache.OpenRedis(servertest.RedisURL())
					if err != nil {
						t.Fatalf("Redis at %s is needed: %v", servertest.RedisURL(), err)
					}
					t.Cleanup(client.Close)
					c = cache.NewRedis(client, "token", "t"+ids.Random(10)+":", m)
				} else {
					c = cache.NewMemory("token", m)
				}
				svc := auth.NewService(db, c, pagetoken.New([]byte("k")), slog.New(slog.NewTextHandler(io.Discard, nil)))
				u, err := user.Create(context.Background(), db, "ada@example.com", "")
				if err != nil {
					t.Fatal(err)
				}
				body(t, &fixture{db: db, svc: svc, metrics: m, userID: u.ID})
			})
		}
	}
}

func (f *fixture) create(t *testing.T, in auth.NewToken) (*auth.Token, string) {
	t.Helper()
	var tok *auth.Token
	var secret string
	err := f.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		tok, secret, err = f.svc.CreateToken(ctx, tx, &access.Principal{UserID: f.userID}, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok, secret
}

func header(token string) http.Header {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	return h
}

func wantUnauthenticated(t *testing.T, p *access.Principal, err error) {
	t.Helper()
	if p != nil || !apperr.IsKind(err, apperr.Unauthenticated) {
		t.Fatalf("got %v, %v; want Unauthenticated", p, err)
	}
}

func TestTokenLookupsAreCachedAndRevocationIsImmediate(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		tok, secret := f.create(t, auth.NewToken{Name: "ci", Scopes: []string{access.ScopeWorkspacesRead}})
		if !strings.HasPrefix(secret, tok.ID+".") || tok.SecretHash == "" || strings.Contains(tok.SecretHash, secret[len(tok.ID)+1:]) {
			t.Fatalf("token %s / secret %s: the secret must not be stored", tok.SecretHash, secret)
		}
		for i := range 3 {
			p, err := f.svc.Authenticate(ctx, "POST", header(secret))
			if err != nil || p.UserID != f.userID || p.TokenID != tok.ID || !p.HasScope(access.ScopeWorkspacesRead) || p.HasScope(access.ScopeWorkspacesWrite) {
				t.Fatalf("call %d: %+v, %v", i, p, err)
			}
		}
		if f.metrics.Misses("token") != 1 || f.metrics.Hits("token") != 2 {
			t.Fatalf("cache: %v misses, %v hits; want 1 and 2", f.metrics.Misses("token"), f.metrics.Hits("token"))
		}
		// A wrong secret for a known id is refused, even from the cache.
		p, err := f.svc.Authenticate(ctx, "POST", header(tok.ID+"."+strings.Repeat("x", 40)))
		wantUnauthenticated(t, p, err)

		err = f.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := f.svc.RevokeToken(ctx, tx, &access.Principal{UserID: f.userID}, tok.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		p, err = f.svc.Authenticate(ctx, "POST", header(secret))
		wantUnauthenticated(t, p, err)
		if f.metrics.Invalidations("token") < 1 {
			t.Fatal("revocation did not invalidate the cache")
		}
	})
}

func TestExpiredAndDeactivated(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		soon := time.Now().Add(time.Hour)
		tok, secret := f.create(t, auth.NewToken{Name: "short", Scopes: access.AllScopes, ExpiresAt: &soon})
		if _, err := f.db.NewUpdate().Table("tokens").Set("expires_at = ?", time.Now().Add(-time.Second).UTC()).
			Where("id = ?", tok.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		p, err := f.svc.Authenticate(ctx, "POST", header(secret))
		wantUnauthenticated(t, p, err)

		_, other := f.create(t, auth.NewToken{Name: "other", Scopes: access.AllScopes})
		if _, err := f.svc.Authenticate(ctx, "POST", header(other)); err != nil {
			t.Fatal(err)
		}
		admin, err := user.Create(ctx, f.db, "root@example.com", "")
		if err != nil {
			t.Fatal(err)
		}
		err = f.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, err := user.Deactivate(ctx, tx, f.svc, admin.ID, f.userID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		p, err = f.svc.Authenticate(ctx, "POST", header(other))
		wantUnauthenticated(t, p, err)
	})
}

func TestMalformedCredentials(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		for _, h := range []string{"Basic abc", "Bearer", "Bearer pat123.abc", "Bearer patAAAAAAAAAAAAAA." + strings.Repeat("y", 40), "Bearer eyJhbGciOiJub25lIn0.e30."} {
			hd := http.Header{}
			hd.Set("Authorization", h)
			p, err := f.svc.Authenticate(ctx, "POST", hd)
			wantUnauthenticated(t, p, err)
		}
		p, err := f.svc.Authenticate(ctx, "POST", http.Header{})
		if p != nil || err != nil {
			t.Fatalf("no credentials: %v, %v; want nil, nil", p, err)
		}
	})
}

func TestLastUsedIsRecordedAtMostOnceAMinute(t *testing.T) {
	eachBackend(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		tok, secret := f.create(t, auth.NewToken{Name: "ci", Scopes: access.AllScopes})
		var first *time.Time
		for i := range 3 {
			if _, err := f.svc.Authenticate(ctx, "POST", header(secret)); err != nil {
				t.Fatal(err)
			}
			var got auth.Token
			if err := f.db.NewSelect().Model(&got).Where("id = ?", tok.ID).Scan(ctx); err != nil {
				t.Fatal(err)
			}
			if got.LastUsedAt == nil {
				t.Fatalf("call %d: last_used_at not recorded", i)
			}
			if first == nil {
				first = got.LastUsedAt
			} else if !got.LastUsedAt.Equal(*first) {
				t.Fatalf("last_used_at moved from %v to %v within a minute", first, got.LastUsedAt)
			}
		}
	})
}
