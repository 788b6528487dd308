package schema

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/operation"
	"github.com/pyairtable/pyairtable/server/storage"
)

// BuildIndex is the operation handler that builds an index (and, for a
// unique field, turns the constraint on). It is safe to run again after a
// crash: on PostgreSQL an index left invalid by an interrupted concurrent
// build is dropped and built anew, and a valid one is kept.
func (s *Service) BuildIndex(ctx context.Context, op *operation.Operation) error {
	idx, err := s.GetIndex(ctx, s.db, op.TableID, op.IndexID)
	if err != nil {
		return err
	}
	t, err := s.GetTable(ctx, s.db, idx.TableID)
	if err != nil {
		return err
	}
	base, err := s.GetBase(ctx, s.db, t.BaseID)
	if err != nil {
		return err
	}
	for _, id := range idx.FieldIDs {
		if t.field(id) == nil {
			return s.failIndex(ctx, idx, apperr.New(apperr.FailedPrecondition, "FIELD_DELETED", "field %s of the index was deleted", id))
		}
	}
	keys := indexKeys(s.db.Engine, t, idx.FieldIDs, idx.Unique)
	phys := qualified(s.db.Engine, base, t)
	if idx.Unique {
		if err := s.checkDuplicates(ctx, s.db, t, phys, idx.FieldIDs[0]); err != nil {
			return s.failIndex(ctx, idx, err)
		}
	}
	unique := ""
	if idx.Unique {
		unique = "UNIQUE "
	}
	if s.db.Engine == storage.Postgres {
		valid, exists, err := s.pgIndexState(ctx, base, idx)
		if err != nil {
			return s.failIndex(ctx, idx, err)
		}
		if exists && !valid {
			if _, err := s.db.ExecContext(ctx, "DROP INDEX CONCURRENTLY IF EXISTS "+s.indexName(base, idx)); err != nil {
				return s.failIndex(ctx, idx, apperr.Wrap(err, "drop invalid index"))
			}
		}
		if !exists || !valid {
			// CONCURRENTLY builds without blocking writes; it cannot run in a
			// transaction.
			_, err = s.db.ExecContext(ctx, fmt.Sprintf("CREATE %sINDEX CONCURRENTLY %s ON %s (%s) WHERE deleted_at IS NULL",
				unique, quote(idx.PhysicalName), phys, keys))
			if err != nil {
				if ctx.Err() == nil {
					_, _ = s.db.ExecContext(ctx, "DROP INDEX CONCURRENTLY IF EXISTS "+s.indexName(base, idx))
				}
				if storage.IsUniqueViolation(err) {
					return s.failIndex(ctx, idx, apperr.New(apperr.FailedPrecondition, "UNIQUE_VIOLATION",
						"duplicate values were written while the unique index was being built; remove them and try again"))
				}
				return s.failIndex(ctx, idx, apperr.Wrap(err, "build index"))
			}
		}
	} else {
		_, err = s.db.ExecContext(ctx, fmt.Sprintf("CREATE %sINDEX IF NOT EXISTS %s ON %s (%s) WHERE deleted_at IS NULL",
			unique, quote(idx.PhysicalName), phys, keys))
		if err != nil {
			if storage.IsUniqueViolation(err) {
				return s.failIndex(ctx, idx, apperr.New(apperr.FailedPrecondition, "UNIQUE_VIOLATION", "duplicate values; remove them and try again"))
			}
			return s.failIndex(ctx, idx, apperr.Wrap(err, "build index"))
		}
	}
	// Mark it ready on the table as it is now (it may have changed during
	// the build), under the table's lock.
	err = s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		cur, _, err := s.liveTable(ctx, tx, idx.TableID, "")
		if err != nil {
			return err
		}
		res, err := tx.NewUpdate().Model(idx).Set("state = ?", IndexReady).WherePK().Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.FailedPrecondition, "INDEX_DELETED", "the index was deleted while it was being built")
		}
		if !idx.Unique {
			return nil
		}
		f := cur.field(idx.FieldIDs[0])
		if f == nil {
			return apperr.New(apperr.FailedPrecondition, "FIELD_DELETED", "the field was deleted while its unique index was being built")
		}
		f.Unique = true
		if _, err := tx.NewUpdate().Model(f).Column("is_unique").WherePK().Exec(ctx); err != nil {
			return err
		}
		return s.touch(ctx, tx, cur, "made the field "+strconv.Quote(f.Name)+" unique")
	})
	if err != nil {
		if ctx.Err() == nil {
			_, _ = s.db.ExecContext(ctx, "DROP INDEX IF EXISTS "+s.indexName(base, idx))
		}
		return s.failIndex(ctx, idx, err)
	}
	return nil
}

// failIndex records a failed build and returns err: a unique field's
// index goes (the field is as it was); another index stays FAILED until
// deleted.
func (s *Service) failIndex(ctx context.Context, idx *Index, err error) error {
	if ctx.Err() != nil {
		// Interrupted (shutdown or a lost lease), not failed: the job is
		// handed back, and the next run finds and fixes what is there.
		return ctx.Err()
	}
	ctx = context.WithoutCancel(ctx)
	if idx.Unique {
		_, _ = s.db.NewDelete().Model(idx).WherePK().Exec(ctx)
		return err
	}
	_, _ = s.db.NewUpdate().Model(idx).Set("state = ?", IndexFailed).WherePK().Exec(ctx)
	return err
}

// pgIndexState reports whether the index exists and is valid.
func (s *Service) pgIndexState(ctx context.Context, base *Base, idx *Index) (valid, exists bool, err error) {
	var rows []bool
	err = s.db.NewRaw(`SELECT i.indisvalid FROM pg_class c
		JOIN pg_index i ON i.indexrelid = c.oid
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relname = ? AND n.nspname = ?`, idx.PhysicalName, base.PhysicalSchema).Scan(ctx, &rows)
	if err != nil {
		return false, false, apperr.Wrap(err, "inspect index")
	}
	if len(rows) == 0 {
		return false, false, nil
	}
	return rows[0], true, nil
}

// checkDuplicates refuses a unique constraint over duplicate values, naming
// up to ten of them.
func (s *Service) checkDuplicates(ctx context.Context, db bun.IDB, t *Table, phys, fieldID string) error {
	f := t.field(fieldID)
	col := quote(SourceColumn(f))
	var dups []struct {
		V any   `bun:"v"`
		N int64 `bun:"n"`
	}
	err := db.NewRaw("SELECT "+col+" AS v, COUNT(*) AS n FROM "+phys+" WHERE deleted_at IS NULL AND "+col+
		" IS NOT NULL GROUP BY "+col+" HAVING COUNT(*) > 1 ORDER BY COUNT(*) DESC LIMIT 10").Scan(ctx, &dups)
	if err != nil {
		return apperr.Wrap(err, "find duplicates")
	}
	if len(dups) == 0 {
		return nil
	}
	typ, opts := f.TypeOptions()
	var names []string
	for _, d := range dups {
		names = append(names, fmt.Sprintf("%q (%d records)", typ.Text(opts, d.V), d.N))
	}
	return apperr.New(apperr.FailedPrecondition, "UNIQUE_VIOLATION",
		"%q has duplicate values: %s; make them unique first", f.Name, strings.Join(names, ", ")).
		With("field_id", f.ID).With("duplicates", strings.Join(names, ", "))
}
