package auth

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/pagetoken"
)

// SessionCookie is the name of the browser session cookie. Its value is
// "ses<14 characters>.<secret>"; the server keeps a hash of the secret.
const SessionCookie = "pyairtable_session"

// Session is a stored browser session.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	ID            string     `bun:"id,pk"`
	UserID        string     `bun:"user_id"`
	SecretHash    string     `bun:"secret_hash"`
	UserAgent     string     `bun:"user_agent"`
	IP            string     `bun:"ip"`
	CreatedAt     time.Time  `bun:"created_at"`
	LastSeenAt    time.Time  `bun:"last_seen_at"`
	IdleExpiresAt time.Time  `bun:"idle_expires_at"`
	ExpiresAt     time.Time  `bun:"expires_at"`
	RevokedAt     *time.Time `bun:"revoked_at"`
}

// SessionPolicy says how long sessions last.
type SessionPolicy struct {
	// Idle ends a session this long after its last use.
	Idle time.Duration
	// MaxAge ends a session this long after sign-in.
	MaxAge time.Duration
}

// SetSessionPolicy sets how long new and used sessions last.
func (s *Service) SetSessionPolicy(p SessionPolicy) { s.sessions = p }

func sessionKey(id string) string { return "ses:" + id }

// CreateSession starts a session for the user and returns it with the
// cookie value to set, which is not kept.
func (s *Service) CreateSession(ctx context.Context, tx bun.IDB, userID, userAgent, ip string) (*Session, string, error) {
	if err := lockActiveUser(ctx, tx, s.db.Engine, userID); err != nil {
		return nil, "", err
	}
	now := s.now()
	secret := ids.Random(secretLength)
	if len(userAgent) > 512 {
		userAgent = userAgent[:512]
	}
	sess := &Session{
		ID: ids.New(ids.Session), UserID: userID, SecretHash: hashSecret(secret),
		UserAgent: userAgent, IP: ip, CreatedAt: now, LastSeenAt: now,
		IdleExpiresAt: now.Add(s.sessions.Idle), ExpiresAt: now.Add(s.sessions.MaxAge),
	}
	if _, err := tx.NewInsert().Model(sess).Exec(ctx); err != nil {
		return nil, "", apperr.Wrap(err, "store session")
	}
	return sess, sess.ID + "." + secret, nil
}

type cachedSession struct {
	UserID     string    `json:"u"`
	SecretHash string    `json:"h"`
	Expires    time.Time `json:"e"`
	IdleUntil  time.Time `json:"i"`
	Revoked    bool      `json:"r,omitempty"`
	UserActive bool      `json:"a"`
	Admin      bool      `json:"d,omitempty"`
}

// AuthenticateSession checks a session cookie value.
func (s *Service) AuthenticateSession(ctx context.Context, value string) (*access.Principal, error) {
	id, secret, ok := strings.Cut(value, ".")
	if !ok || !ids.Valid(ids.Session, id) || len(secret) != secretLength {
		return nil, badSession()
	}
	entry, err := s.lookupSession(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if entry == nil || subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(entry.SecretHash)) != 1 {
		return nil, badSession()
	}
	now := s.now()
	if !now.Before(entry.IdleUntil) && !entry.Revoked {
		// The cached idle deadline may be older than the stored one.
		if entry, err = s.lookupSession(ctx, id, true); err != nil || entry == nil {
			return nil, badSession()
		}
	}
	if entry.Revoked || !entry.UserActive || !now.Before(entry.Expires) || !now.Before(entry.IdleUntil) {
		return nil, badSession()
	}
	s.touchSession(ctx, id, now)
	return &access.Principal{UserID: entry.UserID, Admin: entry.Admin, SessionID: id}, nil
}

// CSRFError is the error for a cookie call another site could have forged.
func CSRFError() error {
	return apperr.New(apperr.Unauthenticated, "CSRF_CHECK_FAILED",
		"a call authenticated by the session cookie must send a Content-Type such as application/json, "+
			"application/proto or application/grpc-web+proto, or a Connect-Protocol-Version header")
}

func badSession() error {
	return apperr.New(apperr.Unauthenticated, "INVALID_SESSION", "the session has ended; sign in again")
}

func (s *Service) lookupSession(ctx context.Context, id string, fresh bool) (*cachedSession, error) {
	key := sessionKey(id)
	if !fresh {
		if raw, ok, err := s.cache.Get(ctx, key); err == nil && ok {
			var e cachedSession
			if json.Unmarshal(raw, &e) == nil {
				return &e, nil
			}
		}
	}
	var row struct {
		Session
		Admin         bool       `bun:"admin"`
		DeactivatedAt *time.Time `bun:"deactivated_at"`
	}
	err := s.db.NewSelect().ColumnExpr("s.*, u.admin, u.deactivated_at").TableExpr("sessions AS s").
		Join("JOIN users AS u ON u.id = s.user_id").Where("s.id = ?", id).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, apperr.Wrap(err, "look up session")
	}
	e := &cachedSession{
		UserID: row.UserID, SecretHash: row.SecretHash, Expires: row.ExpiresAt, IdleUntil: row.IdleExpiresAt,
		Revoked: row.RevokedAt != nil, UserActive: row.DeactivatedAt == nil, Admin: row.Admin,
	}
	if raw, err := json.Marshal(e); err == nil {
		_ = s.cache.Fill(ctx, key, raw, cacheTTL)
	}
	return e, nil
}

// touchSession extends a session's idle deadline, at most once a minute
// (or a quarter of the idle timeout, when that is shorter).
func (s *Service) touchSession(ctx context.Context, id string, now time.Time) {
	// Write at most once a minute, and often enough for short idle timeouts.
	every := min(lastUsedEvery, s.sessions.Idle/4)
	s.mu.Lock()
	if last, ok := s.lastUsed[id]; ok && now.Sub(last) < every {
		s.mu.Unlock()
		return
	}
	s.lastUsed[id] = now
	s.mu.Unlock()
	_, err := s.db.NewUpdate().Table("sessions").
		Set("last_seen_at = ?", now).Set("idle_expires_at = ?", now.Add(s.sessions.Idle)).
		Where("id = ? AND last_seen_at < ? AND revoked_at IS NULL", id, now.Add(-every)).
		Exec(context.WithoutCancel(ctx))
	if err != nil {
		s.log.WarnContext(ctx, "record session use", "session_id", id, "err", err)
	}
}

// GetSession returns one of the user's sessions.
func (s *Service) GetSession(ctx context.Context, db bun.IDB, userID, id string) (*Session, error) {
	sess := new(Session)
	err := db.NewSelect().Model(sess).Where("id = ? AND user_id = ?", id, userID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("session %q not found", id).With("session_id", id)
	}
	if err != nil {
		return nil, apperr.Wrap(err, "load session")
	}
	return sess, nil
}

// SessionPage is a page of sessions.
type SessionPage struct {
	Sessions []*Session
	Next     string
}

// ListSessions lists the user's sessions that have not ended, newest first.
func (s *Service) ListSessions(ctx context.Context, db bun.IDB, userID string, size int, pageToken string) (*SessionPage, error) {
	size = pagetoken.Size(size)
	now := s.now()
	q := db.NewSelect().Model((*Session)(nil)).
		Where("user_id = ? AND revoked_at IS NULL AND expires_at > ? AND idle_expires_at > ?", userID, now, now)
	scope := "sessions:" + userID
	if pageToken != "" {
		var c tokenCursor
		if err := s.pages.Decode(pageToken, scope, &c); err != nil {
			return nil, err
		}
		q = q.Where("(created_at < ? OR (created_at = ? AND id < ?))", c.CreatedAt, c.CreatedAt, c.ID)
	}
	var rows []*Session
	if err := q.Order("created_at DESC", "id DESC").Limit(int64(size+1)).Scan(ctx, &rows); err != nil {
		return nil, apperr.Wrap(err, "list sessions")
	}
	rows, next, err := pagetoken.Trim(s.pages, scope, rows, size, func(last *Session) any {
		return tokenCursor{CreatedAt: last.CreatedAt, ID: last.ID}
	})
	return &SessionPage{Sessions: rows, Next: next}, err
}

// RevokeSession ends one of the user's sessions on every server at once.
// Ending an ended session returns it unchanged.
func (s *Service) RevokeSession(ctx context.Context, tx bun.IDB, userID, id string) (*Session, error) {
	sess, err := s.GetSession(ctx, tx, userID, id)
	if err != nil {
		return nil, err
	}
	if sess.RevokedAt != nil {
		return sess, nil
	}
	now := s.now()
	sess.RevokedAt = &now
	if _, err := tx.NewUpdate().Model(sess).Column("revoked_at").WherePK().Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "end session")
	}
	return sess, s.forget(ctx, tx, sessionKey(id))
}

// RevokeAllSessions ends every session of the user except keep (when not
// empty) and returns how many it ended.
func (s *Service) RevokeAllSessions(ctx context.Context, tx bun.IDB, userID, keep string) (int, error) {
	var idList []string
	q := tx.NewSelect().Table("sessions").Column("id").Where("user_id = ? AND revoked_at IS NULL", userID)
	if keep != "" {
		q = q.Where("id <> ?", keep)
	}
	if err := q.Scan(ctx, &idList); err != nil {
		return 0, apperr.Wrap(err, "list sessions")
	}
	if len(idList) == 0 {
		return 0, nil
	}
	if _, err := tx.NewUpdate().Table("sessions").Set("revoked_at = ?", s.now()).
		Where("id IN (?)", bun.In(idList)).Exec(ctx); err != nil {
		return 0, apperr.Wrap(err, "end sessions")
	}
	keys := make([]string, len(idList))
	for i, id := range idList {
		keys[i] = sessionKey(id)
	}
	return len(idList), s.forget(ctx, tx, keys...)
}

// simpleContentTypes are the request types a cross-site HTML form can send
// without a CORS preflight.
var simpleContentTypes = map[string]bool{
	"": true, "application/x-www-form-urlencoded": true, "multipart/form-data": true, "text/plain": true,
}

// csrfSafe reports whether a cookie-authenticated request could not have
// been forged by another site: a GET (Connect serves GET only for calls
// without side effects), or a POST whose content type a cross-site form
// cannot send (so the browser asked CORS first, and only configured origins
// pass), or one carrying Connect's protocol header.
func csrfSafe(method string, h http.Header) bool {
	return CSRFSafe(method, h)
}

// CSRFSafe is csrfSafe for the HTTP edge, which refuses forgeable cookie
// calls before the protocol handlers see them.
func CSRFSafe(method string, h http.Header) bool {
	if method == http.MethodGet || method == http.MethodHead {
		return true
	}
	if h.Get("Connect-Protocol-Version") != "" || h.Get("X-Grpc-Web") != "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return false
	}
	return !simpleContentTypes[strings.ToLower(mt)]
}

// SessionPolicyOf returns how long sessions last.
func (s *Service) SessionPolicyOf() SessionPolicy { return s.sessions }
