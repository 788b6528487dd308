// Package workspace keeps workspaces and their members: roles, pending
// invitations by email, and the rule that a workspace keeps an owner.
package workspace

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/cache"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/pagetoken"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Workspace is a stored workspace.
type Workspace struct {
	bun.BaseModel `bun:"table:workspaces"`

	ID          string    `bun:"id,pk"`
	Name        string    `bun:"name"`
	Description string    `bun:"description"`
	CreatedBy   string    `bun:"created_by"`
	CreatedAt   time.Time `bun:"created_at"`
	UpdatedAt   time.Time `bun:"updated_at"`
}

// Service manages workspaces and answers membership questions.
type Service struct {
	db      *storage.DB
	pages   *pagetoken.Codec
	cache   Cache                            // nil: no cache
	settle  time.Duration                    // see SetCache
	decoded cache.Decoded[map[string]string] // cached roles decoded, by user id
}

// NewService returns a Service over the database.
func NewService(db *storage.DB, pages *pagetoken.Codec) *Service {
	return &Service{db: db, pages: pages}
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func notFound(id string) error {
	return apperr.NotFoundf("workspace %q not found", id).With("workspace_id", id)
}

// MemberRole returns the user's role in the workspace, or RoleNone. With a
// cache (SetCache) it reads all of the user's roles once and keeps them
// until a membership of the user changes.
func (s *Service) MemberRole(ctx context.Context, workspaceID, userID string) (access.Role, error) {
	if s.cache != nil {
		roles, err := s.userRoles(ctx, userID)
		if err != nil {
			return access.RoleNone, err
		}
		return roleOf(roles, workspaceID)
	}
	var role string
	err := s.db.NewSelect().Table("members").Column("role").
		Where("workspace_id = ? AND user_id = ?", workspaceID, userID).Scan(ctx, &role)
	if errors.Is(err, sql.ErrNoRows) {
		return access.RoleNone, nil
	}
	if err != nil {
		return access.RoleNone, err
	}
	return access.ParseRole(role)
}

// Create makes a workspace with the user as its owner.
func (s *Service) Create(ctx context.Context, tx bun.IDB, owner Owner, name, description string) (*Workspace, error) {
	t := now()
	w := &Workspace{ID: ids.New(ids.Workspace), Name: name, Description: description, CreatedBy: owner.UserID, CreatedAt: t, UpdatedAt: t}
	if _, err := tx.NewInsert().Model(w).Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "create workspace")
	}
	m := &Member{WorkspaceID: w.ID, UserID: &owner.UserID, Email: emailPtr(owner.Email), Role: access.RoleOwner.String(), CreatedAt: t}
	if _, err := tx.NewInsert().Model(m).Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "add owner")
	}
	if err := s.forget(ctx, tx, owner.UserID); err != nil {
		return nil, apperr.Wrap(err, "forget cached roles")
	}
	return w, nil
}

// Owner is the user who creates a workspace.
type Owner struct {
	UserID string
	Email  string
}

// Get returns a workspace; NotFound if there is none.
func (s *Service) Get(ctx context.Context, db bun.IDB, id string) (*Workspace, error) {
	w := new(Workspace)
	err := db.NewSelect().Model(w).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, apperr.Wrap(err, "load workspace")
	}
	return w, nil
}

// Listed is a workspace with the caller's role in it.
type Listed struct {
	Workspace
	Role string `bun:"role"`
}

// Page is a page of workspaces.
type Page struct {
	Workspaces []*Listed
	Next       string
}

type cursor struct {
	CreatedAt time.Time `json:"c"`
	ID        string    `json:"i"`
}

// List returns the workspaces the user is a member of, limited to reach
// when it is not empty, oldest first.
func (s *Service) List(ctx context.Context, db bun.IDB, userID string, reach []string, size int, pageToken string) (*Page, error) {
	size = pagetoken.Size(size)
	q := db.NewSelect().ColumnExpr("w.*, m.role").TableExpr("workspaces AS w").
		Join("JOIN members AS m ON m.workspace_id = w.id AND m.user_id = ?", userID)
	if len(reach) > 0 {
		q = q.Where("w.id IN (?)", bun.In(reach))
	}
	scope := "workspaces:" + userID
	if pageToken != "" {
		var c cursor
		if err := s.pages.Decode(pageToken, scope, &c); err != nil {
			return nil, err
		}
		q = q.Where("(w.created_at > ? OR (w.created_at = ? AND w.id > ?))", c.CreatedAt, c.CreatedAt, c.ID)
	}
	var rows []*Listed
	if err := q.Order("w.created_at ASC", "w.id ASC").Limit(int64(size+1)).Scan(ctx, &rows); err != nil {
		return nil, apperr.Wrap(err, "list workspaces")
	}
	rows, next, err := pagetoken.Trim(s.pages, scope, rows, size, func(last *Listed) any {
		return cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	})
	return &Page{Workspaces: rows, Next: next}, err
}

// Patch holds the workspace fields to change; nil fields are kept.
type Patch struct {
	Name        *string
	Description *string
}

// Update changes a workspace.
func (s *Service) Update(ctx context.Context, tx bun.IDB, id string, p Patch) (*Workspace, error) {
	w, err := s.Get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if p.Name != nil {
		w.Name = *p.Name
	}
	if p.Description != nil {
		w.Description = *p.Description
	}
	w.UpdatedAt = now()
	if _, err := tx.NewUpdate().Model(w).WherePK().Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "update workspace")
	}
	return w, nil
}

// Delete removes a workspace and its memberships. Its bases must be gone
// (see schema.Service.PurgeWorkspace).
func (s *Service) Delete(ctx context.Context, tx bun.IDB, id string) error {
	// The members deleted are the ones to forget, however many joined
	// since the caller looked.
	var removed []*string
	if err := tx.NewRaw("DELETE FROM members WHERE workspace_id = ? RETURNING user_id", id).Scan(ctx, &removed); err != nil {
		return apperr.Wrap(err, "delete members")
	}
	var userIDs []string
	for _, u := range removed {
		if u != nil {
			userIDs = append(userIDs, *u)
		}
	}
	if err := s.forget(ctx, tx, userIDs...); err != nil {
		return apperr.Wrap(err, "forget cached roles")
	}
	res, err := tx.NewDelete().Table("workspaces").Where("id = ?", id).Exec(ctx)
	if err != nil {
		return apperr.Wrap(err, "delete workspace")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(id)
	}
	return nil
}
