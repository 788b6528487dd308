package workspace

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/pagetoken"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/user"
)

// Member is a stored membership. UserID is nil while the membership is a
// pending invitation by email.
type Member struct {
	bun.BaseModel `bun:"table:members"`

	WorkspaceID string    `bun:"workspace_id"`
	UserID      *string   `bun:"user_id"`
	Email       *string   `bun:"email"`
	Role        string    `bun:"role"`
	CreatedAt   time.Time `bun:"created_at"`
}

// MemberView is a membership with the member's display name.
type MemberView struct {
	Member
	DisplayName *string `bun:"display_name"`
}

// MemberRef names a member by user id or by email.
type MemberRef struct {
	UserID string
	Email  string
}

func (r MemberRef) String() string {
	if r.UserID != "" {
		return r.UserID
	}
	return r.Email
}

func emailPtr(email string) *string {
	email = user.NormalizeEmail(email)
	if email == "" {
		return nil
	}
	return &email
}

func memberNotFound(wsID string, ref MemberRef) error {
	return apperr.NotFoundf("%s is not a member of workspace %s", ref, wsID).With("member", ref.String())
}

// MemberPage is a page of members.
type MemberPage struct {
	Members []*MemberView
	Next    string
}

type memberCursor struct {
	Email  string `json:"e"`
	UserID string `json:"u"`
}

// ListMembers lists a workspace's members, by email then user id.
func (s *Service) ListMembers(ctx context.Context, db bun.IDB, wsID string, size int, pageToken string) (*MemberPage, error) {
	size = pagetoken.Size(size)
	q := db.NewSelect().ColumnExpr("m.*, u.display_name").TableExpr("members AS m").
		Join("LEFT JOIN users AS u ON u.id = m.user_id").
		Where("m.workspace_id = ?", wsID)
	scope := "members:" + wsID
	if pageToken != "" {
		var c memberCursor
		if err := s.pages.Decode(pageToken, scope, &c); err != nil {
			return nil, err
		}
		q = q.Where("(COALESCE(m.email, '') > ? OR (COALESCE(m.email, '') = ? AND COALESCE(m.user_id, '') > ?))", c.Email, c.Email, c.UserID)
	}
	var rows []*MemberView
	if err := q.OrderExpr("COALESCE(m.email, '') ASC, COALESCE(m.user_id, '') ASC").Limit(int64(size+1)).Scan(ctx, &rows); err != nil {
		return nil, apperr.Wrap(err, "list members")
	}
	rows, next, err := pagetoken.Trim(s.pages, scope, rows, size, func(last *MemberView) any {
		return memberCursor{Email: deref(last.Email), UserID: deref(last.UserID)}
	})
	return &MemberPage{Members: rows, Next: next}, err
}

// AddMember adds the person with the email: an active member when a user
// has that email, a pending invitation otherwise. AlreadyExists when the
// email is a member already.
func (s *Service) AddMember(ctx context.Context, tx bun.IDB, wsID, email string, role access.Role) (*MemberView, error) {
	email = user.NormalizeEmail(email)
	u, err := user.FindByEmail(ctx, tx, email)
	if err != nil {
		return nil, err
	}
	m := &MemberView{Member: Member{WorkspaceID: wsID, Email: &email, Role: role.String(), CreatedAt: now()}}
	if u != nil {
		m.UserID = &u.ID
		m.DisplayName = &u.DisplayName
	}
	exists := tx.NewSelect().Table("members").Where("workspace_id = ? AND email = ?", wsID, email)
	if u != nil {
		exists = exists.WhereOr("workspace_id = ? AND user_id = ?", wsID, u.ID)
	}
	n, err := exists.Count(ctx)
	if err != nil {
		return nil, apperr.Wrap(err, "check membership")
	}
	if n > 0 {
		return nil, apperr.New(apperr.AlreadyExists, "ALREADY_MEMBER",
			"%s is already a member of workspace %s; use UpdateMember to change the role", email, wsID).With("email", email)
	}
	if _, err := tx.NewInsert().Model(&m.Member).Exec(ctx); err != nil {
		if storage.IsUniqueViolation(err) {
			return nil, apperr.New(apperr.AlreadyExists, "ALREADY_MEMBER", "%s is already a member of workspace %s", email, wsID)
		}
		return nil, apperr.Wrap(err, "add member")
	}
	if u != nil {
		if err := s.forget(ctx, tx, u.ID); err != nil {
			return nil, apperr.Wrap(err, "forget cached roles")
		}
	}
	return m, nil
}

// findMember loads a membership, locking the workspace's memberships
// against concurrent owner changes on PostgreSQL (SQLite transactions hold
// the write lock already).
func (s *Service) findMember(ctx context.Context, tx bun.IDB, wsID string, ref MemberRef) (*MemberView, error) {
	if s.db.Engine == storage.Postgres {
		if _, err := tx.NewSelect().Table("workspaces").Column("id").Where("id = ?", wsID).For("UPDATE").Exec(ctx); err != nil {
			return nil, apperr.Wrap(err, "lock workspace")
		}
	}
	m := new(MemberView)
	q := tx.NewSelect().ColumnExpr("m.*, u.display_name").TableExpr("members AS m").
		Join("LEFT JOIN users AS u ON u.id = m.user_id").Where("m.workspace_id = ?", wsID)
	if ref.UserID != "" {
		q = q.Where("m.user_id = ?", ref.UserID)
	} else {
		q = q.Where("m.email = ?", user.NormalizeEmail(ref.Email))
	}
	err := q.Scan(ctx, m)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, memberNotFound(wsID, ref)
	}
	if err != nil {
		return nil, apperr.Wrap(err, "load member")
	}
	return m, nil
}

func (m *Member) where(q *bun.UpdateQuery) *bun.UpdateQuery {
	if m.UserID != nil {
		return q.Where("workspace_id = ? AND user_id = ?", m.WorkspaceID, *m.UserID)
	}
	return q.Where("workspace_id = ? AND email = ? AND user_id IS NULL", m.WorkspaceID, *m.Email)
}

// keepsOwner refuses a change that would leave the workspace without an
// active owner (a deactivated user does not count).
func (s *Service) keepsOwner(ctx context.Context, tx bun.IDB, m *MemberView) error {
	if m.Role != access.RoleOwner.String() || m.UserID == nil {
		return nil
	}
	n, err := tx.NewSelect().TableExpr("members AS m").
		Join("JOIN users AS u ON u.id = m.user_id").
		Where("m.workspace_id = ? AND m.role = ? AND u.deactivated_at IS NULL", m.WorkspaceID, access.RoleOwner.String()).Count(ctx)
	if err != nil {
		return apperr.Wrap(err, "count owners")
	}
	if n <= 1 {
		return apperr.New(apperr.FailedPrecondition, "LAST_OWNER",
			"workspace %s needs at least one owner: make another member an owner first", m.WorkspaceID)
	}
	return nil
}

// UpdateMember changes a member's role. The last owner cannot be demoted.
func (s *Service) UpdateMember(ctx context.Context, tx bun.IDB, wsID string, ref MemberRef, role access.Role) (*MemberView, error) {
	m, err := s.findMember(ctx, tx, wsID, ref)
	if err != nil {
		return nil, err
	}
	if role != access.RoleOwner {
		if err := s.keepsOwner(ctx, tx, m); err != nil {
			return nil, err
		}
	}
	m.Role = role.String()
	if _, err := m.where(tx.NewUpdate().Table("members").Set("role = ?", m.Role)).Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "update member")
	}
	if m.UserID != nil {
		if err := s.forget(ctx, tx, *m.UserID); err != nil {
			return nil, apperr.Wrap(err, "forget cached roles")
		}
	}
	return m, nil
}

// RemoveMember removes a member or invitation. The last owner cannot be
// removed.
func (s *Service) RemoveMember(ctx context.Context, tx bun.IDB, wsID string, ref MemberRef) (*MemberView, error) {
	m, err := s.findMember(ctx, tx, wsID, ref)
	if err != nil {
		return nil, err
	}
	if err := s.keepsOwner(ctx, tx, m); err != nil {
		return nil, err
	}
	q := tx.NewDelete().Table("members")
	if m.UserID != nil {
		q = q.Where("workspace_id = ? AND user_id = ?", wsID, *m.UserID)
	} else {
		q = q.Where("workspace_id = ? AND email = ? AND user_id IS NULL", wsID, *m.Email)
	}
	if _, err := q.Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "remove member")
	}
	if m.UserID != nil {
		if err := s.forget(ctx, tx, *m.UserID); err != nil {
			return nil, apperr.Wrap(err, "forget cached roles")
		}
	}
	return m, nil
}

// LinkPending turns the pending invitations for a verified email into
// memberships of the user. Called right after the user is created (on a
// first sign-in with that email), so no roles of the user can be cached
// yet and there is nothing to forget.
func LinkPending(ctx context.Context, tx bun.IDB, userID, email string) error {
	email = user.NormalizeEmail(email)
	if email == "" {
		return nil
	}
	_, err := tx.NewUpdate().Table("members").Set("user_id = ?", userID).
		Where("email = ? AND user_id IS NULL", email).
		Where("NOT EXISTS (SELECT 1 FROM members AS o WHERE o.workspace_id = members.workspace_id AND o.user_id = ?)", userID).
		Exec(ctx)
	if err != nil {
		return apperr.Wrap(err, "link pending memberships")
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
