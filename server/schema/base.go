package schema

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/pagetoken"
)

func baseNotFound(id string) error {
	return apperr.NotFoundf("base %q not found", id).With("base_id", id)
}

// CreateBase makes an empty base in a workspace.
func (s *Service) CreateBase(ctx context.Context, tx bun.IDB, workspaceID, userID, name, description string) (*Base, error) {
	now := s.now()
	b := &Base{ID: ids.New(ids.Base), WorkspaceID: workspaceID, Name: name, Description: description,
		CreatedBy: userID, CreatedAt: now, UpdatedAt: now}
	var err error
	if b.PhysicalSchema, err = physicalSchema(ctx, tx, s.db.Engine, b.ID); err != nil {
		return nil, apperr.Wrap(err, "name base schema")
	}
	if err := createBaseSchema(ctx, tx, s.db.Engine, b.PhysicalSchema); err != nil {
		return nil, apperr.Wrap(err, "create base schema")
	}
	if _, err := tx.NewInsert().Model(b).Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "create base")
	}
	return b, nil
}

// GetBase returns a base, deleted or not; NotFound when there is none or
// it was purged.
func (s *Service) GetBase(ctx context.Context, db bun.IDB, id string) (*Base, error) {
	b := new(Base)
	err := db.NewSelect().Model(b).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, baseNotFound(id)
	}
	if err != nil {
		return nil, apperr.Wrap(err, "load base")
	}
	return b, nil
}

// liveBase returns a base in use; a deleted one is FailedPrecondition.
func (s *Service) liveBase(ctx context.Context, db bun.IDB, id string) (*Base, error) {
	b, err := s.GetBase(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if b.DeletedAt != nil {
		return nil, apperr.New(apperr.FailedPrecondition, "BASE_DELETED",
			"base %s is deleted; restore it with RestoreBase first", id).With("base_id", id)
	}
	return b, nil
}

// BasePage is a page of bases.
type BasePage struct {
	Bases []*Base
	Next  string
}

type timeCursor struct {
	CreatedAt time.Time `json:"c"`
	ID        string    `json:"i"`
}

// ListBases lists a workspace's bases (only reach, when not empty), oldest
// first: those in use, or the deleted ones.
func (s *Service) ListBases(ctx context.Context, db bun.IDB, workspaceID string, reach []string, size int, pageToken string, deleted bool) (*BasePage, error) {
	size = pagetoken.Size(size)
	q := db.NewSelect().Model((*Base)(nil)).Where("workspace_id = ?", workspaceID)
	if deleted {
		q = q.Where("deleted_at IS NOT NULL")
	} else {
		q = q.Where("deleted_at IS NULL")
	}
	if len(reach) > 0 {
		q = q.Where("id IN (?)", bun.In(reach))
	}
	scope := "bases:" + workspaceID + ":" + boolString(deleted)
	if pageToken != "" {
		var c timeCursor
		if err := s.pages.Decode(pageToken, scope, &c); err != nil {
			return nil, err
		}
		q = q.Where("(created_at > ? OR (created_at = ? AND id > ?))", c.CreatedAt, c.CreatedAt, c.ID)
	}
	var rows []*Base
	if err := q.Order("created_at ASC", "id ASC").Limit(int64(size+1)).Scan(ctx, &rows); err != nil {
		return nil, apperr.Wrap(err, "list bases")
	}
	rows, next, err := pagetoken.Trim(s.pages, scope, rows, size, func(last *Base) any {
		return timeCursor{CreatedAt: last.CreatedAt, ID: last.ID}
	})
	return &BasePage{Bases: rows, Next: next}, err
}

func boolString(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// BasePatch holds the base fields to change; nil fields are kept.
type BasePatch struct {
	Name        *string
	Description *string
}

// UpdateBase changes a base in use.
func (s *Service) UpdateBase(ctx context.Context, tx bun.IDB, id string, p BasePatch) (*Base, error) {
	b, err := s.liveBase(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if p.Name != nil {
		b.Name = *p.Name
	}
	if p.Description != nil {
		b.Description = *p.Description
	}
	b.UpdatedAt = s.now()
	if _, err := tx.NewUpdate().Model(b).Column("name", "description", "updated_at").WherePK().Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "update base")
	}
	return b, nil
}

// DeleteBase moves a base to the trash until its purge time.
func (s *Service) DeleteBase(ctx context.Context, tx bun.IDB, id string) (*Base, error) {
	b, err := s.liveBase(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	purge := now.Add(s.trash)
	b.DeletedAt, b.PurgeAt, b.UpdatedAt = &now, &purge, now
	if _, err := tx.NewUpdate().Model(b).Column("deleted_at", "purge_at", "updated_at").WherePK().Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "delete base")
	}
	return b, nil
}

// RestoreBase brings a deleted base back.
func (s *Service) RestoreBase(ctx context.Context, tx bun.IDB, id string) (*Base, error) {
	b, err := s.GetBase(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if b.DeletedAt == nil {
		return nil, apperr.New(apperr.FailedPrecondition, "NOT_DELETED", "base %s is not deleted", id).With("base_id", id)
	}
	b.DeletedAt, b.PurgeAt, b.UpdatedAt = nil, nil, s.now()
	if _, err := tx.NewUpdate().Model(b).Column("deleted_at", "purge_at", "updated_at").WherePK().Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "restore base")
	}
	return b, nil
}

// WorkspaceHasBases reports whether a workspace holds bases, deleted ones
// included.
func WorkspaceHasBases(ctx context.Context, db bun.IDB, workspaceID string) (bool, error) {
	n, err := db.NewSelect().Table("bases").Where("workspace_id = ?", workspaceID).Count(ctx)
	return n > 0, err
}
