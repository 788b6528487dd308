package schema

import (
	"context"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
)

// Purge removes for good the bases and tables whose trash period ended
// before now: their physical tables and their metadata. It returns how
// many bases and tables it removed.
func (s *Service) Purge(ctx context.Context, now time.Time) (bases, tables int, err error) {
	var expiredTables []*Table
	if err := s.db.NewSelect().Model(&expiredTables).Where("purge_at IS NOT NULL AND purge_at < ?", now).Scan(ctx); err != nil {
		return 0, 0, apperr.Wrap(err, "find expired tables")
	}
	for _, t := range expiredTables {
		err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			base, err := s.GetBase(ctx, tx, t.BaseID)
			if err != nil {
				return err
			}
			return s.dropTable(ctx, tx, base, t)
		})
		if err != nil {
			return bases, tables, err
		}
		tables++
	}
	var expiredBases []*Base
	if err := s.db.NewSelect().Model(&expiredBases).Where("purge_at IS NOT NULL AND purge_at < ?", now).Scan(ctx); err != nil {
		return bases, tables, apperr.Wrap(err, "find expired bases")
	}
	for _, b := range expiredBases {
		err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			return s.dropBase(ctx, tx, b)
		})
		if err != nil {
			return bases, tables, apperr.Wrap(err, "purge base")
		}
		bases++
	}
	return bases, tables, nil
}

func (s *Service) dropTable(ctx context.Context, tx bun.IDB, base *Base, t *Table) error {
	if err := s.invalidate(ctx, tx, t.ID); err != nil {
		return err
	}
	if err := dropPhysicalTable(ctx, tx, qualified(s.db.Engine, base, t)); err != nil {
		return err
	}
	for _, q := range []string{
		"DELETE FROM retired_columns WHERE table_id = ?", "DELETE FROM table_indexes WHERE table_id = ?",
		"DELETE FROM operations WHERE table_id = ?", "DELETE FROM fields WHERE table_id = ?",
		"DELETE FROM user_tables WHERE id = ?",
	} {
		if _, err := tx.ExecContext(ctx, q, t.ID); err != nil {
			return err
		}
	}
	return nil
}

// PurgeWorkspace prepares a workspace's deletion inside tx: it refuses
// while the workspace holds bases in use (FailedPrecondition, reason
// WORKSPACE_NOT_EMPTY), and removes for good its deleted bases.
func (s *Service) PurgeWorkspace(ctx context.Context, tx bun.IDB, workspaceID string) error {
	var bases []*Base
	if err := tx.NewSelect().Model(&bases).Where("workspace_id = ?", workspaceID).Scan(ctx); err != nil {
		return apperr.Wrap(err, "list bases")
	}
	live := 0
	for _, b := range bases {
		if b.DeletedAt == nil {
			live++
		}
	}
	if live > 0 {
		return apperr.New(apperr.FailedPrecondition, "WORKSPACE_NOT_EMPTY",
			"workspace %s still holds %d bases; delete them first (deleted bases are removed with the workspace)", workspaceID, live).
			With("bases", strconv.Itoa(live))
	}
	for _, b := range bases {
		if err := s.dropBase(ctx, tx, b); err != nil {
			return apperr.Wrap(err, "purge base")
		}
	}
	return nil
}

func (s *Service) dropBase(ctx context.Context, tx bun.IDB, b *Base) error {
	var all []*Table
	if err := tx.NewSelect().Model(&all).Where("base_id = ?", b.ID).Scan(ctx); err != nil {
		return err
	}
	for _, t := range all {
		if err := s.dropTable(ctx, tx, b, t); err != nil {
			return err
		}
	}
	if err := dropBaseSchema(ctx, tx, s.db.Engine, b.PhysicalSchema); err != nil {
		return err
	}
	_, err := tx.NewDelete().Model(b).WherePK().Exec(ctx)
	return err
}
