package schema

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/operation"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Column budget. PostgreSQL allows 1600 columns per table and counts
// dropped ones, so hidden (retired) columns cannot simply be dropped: when
// a table runs out, the server compacts it, rewriting it with only the
// columns in use. Versions that need a compacted column can no longer be
// rolled back to.

// MaxColumnBudget is the most field columns a table can have: PostgreSQL's
// 1600 less the system columns.
const MaxColumnBudget = maxColumns

// SetColumnBudget sets how many field columns (in use or hidden) a table
// may have before it is compacted; at most MaxColumnBudget.
func (s *Service) SetColumnBudget(n int) { s.budget = min(max(n, 1), MaxColumnBudget) }

// physicalColumns counts a table's field columns: those of live fields and
// the hidden ones.
func (s *Service) physicalColumns(ctx context.Context, tx bun.IDB, t *Table) (int, error) {
	n := 0
	for _, f := range t.Fields {
		if f.ColumnName != "" {
			n++
		}
	}
	retired, err := tx.NewSelect().Model((*retiredColumn)(nil)).Where("table_id = ?", t.ID).Count(ctx)
	if err != nil {
		return 0, apperr.Wrap(err, "count hidden columns")
	}
	pending, err := s.pendingColumns(ctx, tx, t)
	return n + int(retired) + len(pending), err
}

// pendingColumns are the target columns of type changes still converting.
func (s *Service) pendingColumns(ctx context.Context, tx bun.IDB, t *Table) (map[string]string, error) {
	var ops []*operation.Operation
	err := tx.NewSelect().Model(&ops).Where("table_id = ? AND kind = ? AND state IN (?)", t.ID,
		operation.KindConvertField, bun.In([]string{operation.Pending, operation.Running})).Scan(ctx)
	if err != nil {
		return nil, apperr.Wrap(err, "list conversions")
	}
	out := map[string]string{}
	for _, op := range ops {
		var plan conversionPlan
		if json.Unmarshal([]byte(op.Payload), &plan) == nil && plan.ToColumn != "" {
			out[plan.ToColumn] = plan.ToType
		}
	}
	return out, nil
}

// makeRoom compacts the table when one more column would exceed the
// budget, and refuses (COLUMN_BUDGET) when even the live columns fill it.
func (s *Service) makeRoom(ctx context.Context, tx bun.IDB, base *Base, t *Table) error {
	if t.NextColumn <= s.budget {
		return nil // fewer columns were ever made than the budget allows
	}
	n, err := s.physicalColumns(ctx, tx, t)
	if err != nil {
		return err
	}
	if n+1 <= s.budget {
		return nil
	}
	if busy, err := s.busy(ctx, tx, t); err != nil {
		return apperr.Wrap(err, "look for operations")
	} else if busy {
		return apperr.New(apperr.FailedPrecondition, "TABLE_BUSY",
			"table %s must be compacted to make room, which waits for its running operations; try again when they are done", t.ID)
	}
	if err := s.compact(ctx, tx, base, t); err != nil {
		return err
	}
	if n, err = s.physicalColumns(ctx, tx, t); err != nil {
		return err
	}
	if n+1 > s.budget {
		return apperr.New(apperr.ResourceExhausted, "COLUMN_BUDGET",
			"table %s has no room for another column (%d in use)", t.ID, n).With("limit", strconv.Itoa(s.budget))
	}
	return nil
}

// compact rewrites the table with only the columns in use: live fields'
// and those of conversions still running. Hidden columns, and with them
// the undo of older changes, go. Indexes are built again.
func (s *Service) compact(ctx context.Context, tx bun.IDB, base *Base, t *Table) error {
	type col struct{ name, sqlType string }
	var keep []col
	for _, f := range t.Fields {
		if f.ColumnName == "" {
			continue
		}
		typ, _ := f.TypeOptions()
		keep = append(keep, col{f.ColumnName, typ.Column(s.db.Engine)})
	}
	pending, err := s.pendingColumns(ctx, tx, t)
	if err != nil {
		return err
	}
	for name, kind := range pending {
		typ, _ := (&Field{Type: kind}).TypeOptions()
		keep = append(keep, col{name, typ.Column(s.db.Engine)})
	}
	oldPhys := qualified(s.db.Engine, base, t)
	if err := lockForRewrite(ctx, tx, s.db.Engine, oldPhys); err != nil {
		return err
	}
	next := *t
	next.PhysicalName = t.PhysicalName + "_compact"
	newPhys := qualified(s.db.Engine, base, &next)
	if err := createPhysicalTable(ctx, tx, s.db.Engine, newPhys); err != nil {
		return apperr.Wrap(err, "create compacted table")
	}
	cols := []string{"seq", "id", "version", "created_at", "updated_at", "created_by", "updated_by", "deleted_at"}
	for _, c := range keep {
		if err := addColumn(ctx, tx, newPhys, c.name, c.sqlType); err != nil {
			return apperr.Wrap(err, "add column")
		}
		cols = append(cols, quote(c.name))
	}
	list := strings.Join(cols, ", ")
	overriding := ""
	if s.db.Engine == storage.Postgres {
		overriding = " OVERRIDING SYSTEM VALUE"
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO "+newPhys+" ("+list+")"+overriding+" SELECT "+list+" FROM "+oldPhys); err != nil {
		return apperr.Wrap(err, "copy records")
	}
	if s.db.Engine == storage.Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT setval(pg_get_serial_sequence(?, 'seq'), COALESCE((SELECT MAX(seq) FROM "+newPhys+"), 0) + 1, false)",
			base.PhysicalSchema+"."+quote(next.PhysicalName)); err != nil {
			return apperr.Wrap(err, "carry the record sequence over")
		}
	}
	if err := dropPhysicalTable(ctx, tx, oldPhys); err != nil {
		return apperr.Wrap(err, "drop old table")
	}
	if _, err := tx.ExecContext(ctx, "ALTER TABLE "+newPhys+" RENAME TO "+quote(t.PhysicalName)); err != nil {
		return apperr.Wrap(err, "rename compacted table")
	}
	if _, err := tx.NewDelete().Model((*retiredColumn)(nil)).Where("table_id = ?", t.ID).Exec(ctx); err != nil {
		return apperr.Wrap(err, "forget hidden columns")
	}
	indexes, err := s.ListIndexes(ctx, tx, t.ID)
	if err != nil {
		return err
	}
	for _, idx := range indexes {
		if idx.State != IndexReady {
			continue
		}
		keys := indexKeys(s.db.Engine, t, idx.FieldIDs, idx.Unique)
		if keys == "" {
			continue
		}
		unique := ""
		if idx.Unique {
			unique = "UNIQUE "
		}
		if _, err := tx.ExecContext(ctx, "CREATE "+unique+"INDEX "+quote(idx.PhysicalName)+" ON "+oldPhys+
			" ("+keys+") WHERE deleted_at IS NULL"); err != nil {
			return apperr.Wrap(err, "rebuild index")
		}
	}
	return s.searchIndexesRewritten(ctx, tx, base, t)
}

// columnExists reports whether a field column is still in the table: a
// live field's, or a hidden one not compacted away.
func (s *Service) columnExists(ctx context.Context, tx bun.IDB, t *Table, all map[string]*Field, name string) (bool, error) {
	for _, f := range all {
		if f.DeletedAt == nil && f.ColumnName == name {
			return true, nil
		}
	}
	n, err := tx.NewSelect().Model((*retiredColumn)(nil)).Where("table_id = ? AND column_name = ?", t.ID, name).Count(ctx)
	return n > 0, err
}

// converting refuses a change to a field whose type change is still
// converting its cells (FailedPrecondition, reason FIELD_CONVERTING).
func (s *Service) converting(ctx context.Context, tx bun.IDB, t *Table, fieldID string) error {
	n, err := tx.NewSelect().Model((*operation.Operation)(nil)).
		Where("table_id = ? AND field_id = ? AND kind = ? AND state IN (?)", t.ID, fieldID,
			operation.KindConvertField, bun.In([]string{operation.Pending, operation.Running})).Count(ctx)
	if err != nil {
		return apperr.Wrap(err, "look for conversions")
	}
	if n > 0 {
		return apperr.New(apperr.FailedPrecondition, "FIELD_CONVERTING",
			"the field's type change is still converting its cells; try again when its operation is done").With("field_id", fieldID)
	}
	return nil
}

// busy reports whether background work on the table (index builds,
// conversions) is pending or running; compaction waits for it.
func (s *Service) busy(ctx context.Context, tx bun.IDB, t *Table) (bool, error) {
	n, err := tx.NewSelect().Model((*operation.Operation)(nil)).
		Where("table_id = ? AND kind <> ? AND state IN (?)", t.ID, operation.KindPurge,
			bun.In([]string{operation.Pending, operation.Running})).Count(ctx)
	return n > 0, err
}

// lockForRewrite keeps writers out of a table until the transaction ends
// (reads go on), so a copy or a last catch-up sees every record. SQLite
// transactions hold the write lock already.
func lockForRewrite(ctx context.Context, tx bun.IDB, engine storage.Engine, phys string) error {
	if engine != storage.Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "LOCK TABLE "+phys+" IN EXCLUSIVE MODE")
	return apperr.Wrap(err, "lock table")
}
