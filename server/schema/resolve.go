package schema

import (
	"context"
	"database/sql"
	"errors"
)

// BaseWorkspace returns the workspace of a base, deleted or not.
func (s *Service) BaseWorkspace(ctx context.Context, baseID string) (string, bool, error) {
	var ws string
	err := s.db.NewSelect().Table("bases").Column("workspace_id").Where("id = ?", baseID).Scan(ctx, &ws)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return ws, err == nil, err
}

// TableBase returns the base and workspace of a table, deleted or not.
func (s *Service) TableBase(ctx context.Context, tableID string) (string, string, bool, error) {
	var row struct {
		BaseID      string `bun:"base_id"`
		WorkspaceID string `bun:"workspace_id"`
	}
	err := s.db.NewSelect().ColumnExpr("t.base_id, b.workspace_id").TableExpr("user_tables AS t").
		Join("JOIN bases AS b ON b.id = t.base_id").Where("t.id = ?", tableID).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	return row.BaseID, row.WorkspaceID, err == nil, err
}
