package schema

import (
	"context"
	"database/sql"
	"errors"

	"github.com/pyairtable/pyairtable/server/apperr"
)

// A base never moves to another workspace and a table never moves to
// another base, and ids are never reused, so once found these links are
// kept in process for good: access checks on the hot path (every record
// call names a table) then cost no query.

// BaseWorkspace returns the workspace of a base, deleted or not.
func (s *Service) BaseWorkspace(ctx context.Context, baseID string) (string, bool, error) {
	if ws, ok := s.links.Load(baseID); ok {
		return ws.(string), true, nil
	}
	var ws string
	err := s.db.NewSelect().Table("bases").Column("workspace_id").Where("id = ?", baseID).Scan(ctx, &ws)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	s.links.Store(baseID, ws)
	return ws, true, nil
}

// TableBase returns the base and workspace of a table, deleted or not.
func (s *Service) TableBase(ctx context.Context, tableID string) (string, string, bool, error) {
	if base, ok := s.links.Load(tableID); ok {
		ws, found, err := s.BaseWorkspace(ctx, base.(string))
		return base.(string), ws, found, err
	}
	t, err := s.Table(ctx, tableID)
	if apperr.IsKind(err, apperr.NotFound) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	s.links.Store(tableID, t.BaseID)
	ws, found, err := s.BaseWorkspace(ctx, t.BaseID)
	return t.BaseID, ws, found, err
}
