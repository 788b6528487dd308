package auth

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/pagetoken"
	"github.com/pyairtable/pyairtable/server/storage"
)

// secretLength is the number of random characters after the dot: about 238
// bits, so a plain SHA-256 of the secret is a safe stored form.
const secretLength = 40

// NewToken describes a token to create.
type NewToken struct {
	Name         string
	Scopes       []string
	WorkspaceIDs []string
	BaseIDs      []string
	ExpiresAt    *time.Time
}

// hashSecret returns the stored form of a token's secret part.
func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken creates a token for the caller inside tx and returns it with
// its full secret ("pat….secret"), which is not kept. A token-authenticated
// caller may only create a token within its own scopes, workspaces, bases
// and expiry: otherwise PermissionDenied (reason TOKEN_REACH_EXCEEDED).
// A token without an expiry made by an expiring token inherits that expiry.
func (s *Service) CreateToken(ctx context.Context, tx bun.IDB, who *access.Principal, in NewToken) (*Token, string, error) {
	if err := withinReach(who, &in); err != nil {
		return nil, "", err
	}
	if err := lockActiveUser(ctx, tx, s.db.Engine, who.UserID); err != nil {
		return nil, "", err
	}
	if err := s.checkWorkspaces(ctx, tx, who.UserID, in.WorkspaceIDs); err != nil {
		return nil, "", err
	}
	now := s.now()
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		return nil, "", apperr.Invalid("expire_time", "timestamp.gt_now", "must be in the future")
	}
	secret := ids.Random(secretLength)
	t := &Token{
		ID:           ids.New(ids.Token),
		UserID:       who.UserID,
		Name:         in.Name,
		SecretHash:   hashSecret(secret),
		Scopes:       sorted(in.Scopes),
		WorkspaceIDs: sorted(in.WorkspaceIDs),
		BaseIDs:      sorted(in.BaseIDs),
		ExpiresAt:    utc(in.ExpiresAt),
		CreatedBy:    who.CallerID(),
		CreatedAt:    now,
	}
	if _, err := tx.NewInsert().Model(t).Exec(ctx); err != nil {
		return nil, "", apperr.Wrap(err, "store token")
	}
	return t, t.ID + "." + secret, nil
}

// withinReach refuses a token broader than the calling token.
func withinReach(who *access.Principal, in *NewToken) error {
	if who.TokenID == "" {
		return nil
	}
	exceeded := func(what, value string) error {
		return apperr.New(apperr.PermissionDenied, "TOKEN_REACH_EXCEEDED",
			"a token can only create tokens within its own reach: %s %s is beyond this token's", what, value).
			With(what, value)
	}
	for _, sc := range in.Scopes {
		if !who.HasScope(sc) {
			return exceeded("scope", sc)
		}
	}
	if len(who.WorkspaceIDs) > 0 {
		if len(in.WorkspaceIDs) == 0 {
			return exceeded("workspace_ids", "(all workspaces)")
		}
		for _, w := range in.WorkspaceIDs {
			if !slices.Contains(who.WorkspaceIDs, w) {
				return exceeded("workspace_id", w)
			}
		}
	}
	if len(who.BaseIDs) > 0 {
		if len(in.BaseIDs) == 0 {
			return exceeded("base_ids", "(all bases)")
		}
		for _, b := range in.BaseIDs {
			if !slices.Contains(who.BaseIDs, b) {
				return exceeded("base_id", b)
			}
		}
	}
	if who.ExpiresAt != nil {
		if in.ExpiresAt == nil {
			in.ExpiresAt = who.ExpiresAt
		} else if in.ExpiresAt.After(*who.ExpiresAt) {
			return exceeded("expire_time", in.ExpiresAt.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// Reaches reports whether a caller's credentials reach a stored token: a
// caller limited to workspaces or bases only sees and revokes tokens
// limited within the same ones, never broader tokens of its user.
func Reaches(who *access.Principal, t *Token) bool {
	within := func(limit, got []string) bool {
		if len(limit) == 0 {
			return true
		}
		if len(got) == 0 {
			return false
		}
		for _, g := range got {
			if !slices.Contains(limit, g) {
				return false
			}
		}
		return true
	}
	return within(who.WorkspaceIDs, t.WorkspaceIDs) && within(who.BaseIDs, t.BaseIDs)
}

// checkWorkspaces refuses workspace restrictions the user is no member of,
// which would make a token that reaches nothing.
func (s *Service) checkWorkspaces(ctx context.Context, tx bun.IDB, userID string, wsIDs []string) error {
	for i, w := range wsIDs {
		n, err := tx.NewSelect().Table("members").Where("workspace_id = ? AND user_id = ?", w, userID).Count(ctx)
		if err != nil {
			return apperr.Wrap(err, "check workspace")
		}
		if n == 0 {
			return apperr.Invalid(indexPath("workspace_ids", i), "workspace.member", "you are not a member of workspace "+w)
		}
	}
	return nil
}

func indexPath(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}

// TokenPage is a page of tokens.
type TokenPage struct {
	Tokens []*Token
	Next   string
}

type tokenCursor struct {
	CreatedAt time.Time `json:"c"`
	ID        string    `json:"i"`
	Revoked   bool      `json:"r"`
}

// ListTokens lists the caller's tokens that its credentials reach, newest
// first. A page may hold fewer tokens than asked for when some are out of
// reach; next_page_token still says whether more follow.
func (s *Service) ListTokens(ctx context.Context, db bun.IDB, who *access.Principal, size int, pageToken string, showRevoked bool) (*TokenPage, error) {
	userID := who.UserID
	size = pagetoken.Size(size)
	q := db.NewSelect().Model((*Token)(nil)).Where("user_id = ?", userID)
	if !showRevoked {
		q = q.Where("revoked_at IS NULL")
	}
	if pageToken != "" {
		var c tokenCursor
		if err := s.pages.Decode(pageToken, "tokens:"+userID, &c); err != nil {
			return nil, err
		}
		if c.Revoked != showRevoked {
			return nil, pagetoken.ErrMismatch
		}
		q = q.Where("(created_at < ? OR (created_at = ? AND id < ?))", c.CreatedAt, c.CreatedAt, c.ID)
	}
	var rows []*Token
	if err := q.Order("created_at DESC", "id DESC").Limit(int64(size+1)).Scan(ctx, &rows); err != nil {
		return nil, apperr.Wrap(err, "list tokens")
	}
	rows, next, err := pagetoken.Trim(s.pages, "tokens:"+userID, rows, size, func(last *Token) any {
		return tokenCursor{CreatedAt: last.CreatedAt, ID: last.ID, Revoked: showRevoked}
	})
	page := &TokenPage{Next: next}
	for _, t := range rows {
		if Reaches(who, t) {
			page.Tokens = append(page.Tokens, t)
		}
	}
	return page, err
}

// RevokeToken revokes one of the caller's tokens (within its reach) inside tx and drops it from
// every server's cache. Revoking a revoked token returns it unchanged.
func (s *Service) RevokeToken(ctx context.Context, tx bun.IDB, who *access.Principal, tokenID string) (*Token, error) {
	t := new(Token)
	err := tx.NewSelect().Model(t).Where("id = ? AND user_id = ?", tokenID, who.UserID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !Reaches(who, t)) {
		return nil, apperr.NotFoundf("token %q not found", tokenID).With("token_id", tokenID)
	}
	if err != nil {
		return nil, apperr.Wrap(err, "load token")
	}
	if t.RevokedAt != nil {
		return t, nil
	}
	now := s.now()
	t.RevokedAt = &now
	if _, err := tx.NewUpdate().Model(t).Column("revoked_at").WherePK().Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "revoke token")
	}
	return t, s.forget(ctx, tx, cacheKey(tokenID))
}

// InvalidateUser drops every cached token and session of a user, after a change to the
// user that affects access (deactivation, administrator rights).
func (s *Service) InvalidateUser(ctx context.Context, db bun.IDB, userID string) error {
	var tokenIDs, sessionIDs []string
	if err := db.NewSelect().Table("tokens").Column("id").Where("user_id = ?", userID).Scan(ctx, &tokenIDs); err != nil {
		return apperr.Wrap(err, "list user tokens")
	}
	if err := db.NewSelect().Table("sessions").Column("id").Where("user_id = ?", userID).Scan(ctx, &sessionIDs); err != nil {
		return apperr.Wrap(err, "list user sessions")
	}
	var keys []string
	for _, id := range tokenIDs {
		keys = append(keys, cacheKey(id))
	}
	for _, id := range sessionIDs {
		keys = append(keys, sessionKey(id))
	}
	return s.forget(ctx, db, keys...)
}

func sorted(in []string) storage.StringList {
	out := slices.Clone(in)
	slices.Sort(out)
	return storage.StringList(slices.Compact(out))
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}
