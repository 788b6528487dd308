package schema

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/operation"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Purge removes for good the bases and tables whose trash period ended
// before now: their physical tables and their metadata. Each removal is a
// durable operation (kind purge, its table_id the table's or base's id),
// run here at once; one interrupted by a crash is finished by any server.
// It returns how many bases and tables it removed.
func (s *Service) Purge(ctx context.Context, now time.Time) (bases, tables int, err error) {
	var expiredTables []*Table
	if err := s.db.NewSelect().Model(&expiredTables).Where("purge_at IS NOT NULL AND purge_at < ?", now).Scan(ctx); err != nil {
		return 0, 0, apperr.Wrap(err, "find expired tables")
	}
	var expiredBases []*Base
	if err := s.db.NewSelect().Model(&expiredBases).Where("purge_at IS NOT NULL AND purge_at < ?", now).Scan(ctx); err != nil {
		return 0, 0, apperr.Wrap(err, "find expired bases")
	}
	for _, t := range expiredTables {
		if ok, err := s.purgeOne(ctx, t.ID, "table", now); err != nil {
			return bases, tables, err
		} else if ok {
			tables++
		}
	}
	for _, b := range expiredBases {
		if ok, err := s.purgeOne(ctx, b.ID, "base", now); err != nil {
			return bases, tables, err
		} else if ok {
			bases++
		}
	}
	return bases, tables, nil
}

type purgePlan struct {
	Object string    `json:"object"` // "table" or "base"
	Before time.Time `json:"before"` // purge only if its purge time is before this
}

// purgeOne starts (or joins) the purge operation of one object, runs it,
// and reports whether the object is gone.
func (s *Service) purgeOne(ctx context.Context, id, object string, before time.Time) (bool, error) {
	var opID string
	err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewSelect().Model((*operation.Operation)(nil)).Column("id").
			Where("table_id = ? AND kind = ? AND state IN (?)", id, operation.KindPurge, bun.In([]string{operation.Pending, operation.Running})).
			Limit(1).Scan(ctx, &opID)
		if err == nil {
			return nil
		}
		op, err := operation.New(ctx, tx, operation.KindPurge, id, "", "", "", purgePlan{Object: object, Before: before})
		if err != nil {
			return err
		}
		opID = op.ID
		return nil
	})
	if err != nil {
		return false, apperr.Wrap(err, "start purge")
	}
	if s.runner != nil {
		s.runner.RunNow(ctx, opID, time.Minute)
	} else if err := s.purgeWithoutRunner(ctx, opID); err != nil {
		return false, err
	}
	table := "user_tables"
	if object == "base" {
		table = "bases"
	}
	n, err := s.db.NewSelect().Table(table).Where("id = ?", id).Count(ctx)
	return n == 0, err
}

// PurgeObject is the operation handler that removes a table or base for
// good, in one transaction; run again, it finds nothing left to do.
func (s *Service) PurgeObject(ctx context.Context, op *operation.Operation) error {
	var plan purgePlan
	if err := json.Unmarshal([]byte(op.Payload), &plan); err != nil {
		return apperr.Wrap(err, "read purge plan")
	}
	return s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		// Lock the row and purge only what is still deleted and past its
		// time: a restore after the purge was queued wins.
		table := "user_tables"
		if plan.Object == "base" {
			table = "bases"
		}
		q := tx.NewSelect().Table(table).Column("id").Where("id = ? AND deleted_at IS NOT NULL AND purge_at < ?", op.TableID, plan.Before)
		if s.db.Engine == storage.Postgres {
			q = q.For("UPDATE")
		}
		var still []string
		if err := q.Scan(ctx, &still); err != nil {
			return err
		}
		if len(still) == 0 {
			return nil
		}
		if plan.Object == "base" {
			b, err := s.GetBase(ctx, tx, op.TableID)
			if err != nil {
				return err
			}
			return s.dropBase(ctx, tx, b)
		}
		t, err := s.GetTable(ctx, tx, op.TableID)
		if apperr.IsKind(err, apperr.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		base, err := s.GetBase(ctx, tx, t.BaseID)
		if err != nil {
			return err
		}
		return s.dropTable(ctx, tx, base, t)
	})
}

// SetRunner lets Purge run its operations at once.
func (s *Service) SetRunner(r *operation.Runner) { s.runner = r }

func (s *Service) dropTable(ctx context.Context, tx bun.IDB, base *Base, t *Table) error {
	if err := s.invalidate(ctx, tx, t.ID); err != nil {
		return err
	}
	if err := dropPhysicalTable(ctx, tx, qualified(s.db.Engine, base, t)); err != nil {
		return err
	}
	if err := s.dropSearchTable(ctx, tx, withSchema(base, t)); err != nil {
		return err
	}
	for _, q := range []string{
		"DELETE FROM retired_columns WHERE table_id = ?", "DELETE FROM table_indexes WHERE table_id = ?",
		"DELETE FROM operations WHERE table_id = ? AND kind <> 'purge'", "DELETE FROM fields WHERE table_id = ?",
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

// purgeWithoutRunner runs a purge operation here when no runner was set
// (a service used on its own, as in tools and tests).
func (s *Service) purgeWithoutRunner(ctx context.Context, id string) error {
	op := new(operation.Operation)
	if err := s.db.NewSelect().Model(op).Where("id = ?", id).Scan(ctx); err != nil {
		return apperr.Wrap(err, "load purge")
	}
	if err := s.PurgeObject(ctx, op); err != nil {
		return err
	}
	_, err := s.db.NewUpdate().Model(op).Set("state = ?", operation.Succeeded).Set("progress = 100").
		Set("ended_at = ?", s.now()).Set("updated_at = ?", s.now()).WherePK().Exec(ctx)
	return apperr.Wrap(err, "record purge")
}
