package schema

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/fieldtype"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/storage"
)

// UnconvertedCell is a cell written after a version that a rollback could
// not convert back.
type UnconvertedCell struct {
	RecordID string
	FieldID  string
	Value    any // as stored in the newer column
	Field    *Field
}

// Rollback is the outcome of RollbackTable.
type Rollback struct {
	Table       *Table
	Version     *Version
	Unconverted []UnconvertedCell // at most maxUnconvertedListed
	// UnconvertedCount counts every cell that did not convert back.
	UnconvertedCount int64
}

const maxUnconvertedListed = 1000

// RollbackTable brings a table's schema and data back to a version (see the
// TableService.RollbackTable contract). Everything happens in tx: a failure
// (such as duplicates against a unique field of the version) changes
// nothing.
func (s *Service) RollbackTable(ctx context.Context, tx bun.IDB, tableID, versionID, etag string) (*Rollback, error) {
	t, base, err := s.liveTable(ctx, tx, tableID, etag)
	if err != nil {
		return nil, err
	}
	v, snapTable, err := s.GetVersion(ctx, tx, tableID, versionID)
	if err != nil {
		return nil, err
	}
	if busy, err := s.busy(ctx, tx, t); err != nil {
		return nil, apperr.Wrap(err, "look for operations")
	} else if busy {
		return nil, apperr.New(apperr.FailedPrecondition, "TABLE_BUSY",
			"table %s has operations running (index builds or type changes); roll back when they are done", t.ID)
	}
	var all []*Field
	if err := tx.NewSelect().Model(&all).Where("table_id = ?", t.ID).Scan(ctx); err != nil {
		return nil, apperr.Wrap(err, "load fields")
	}
	byID := map[string]*Field{}
	for _, f := range all {
		byID[f.ID] = f
	}
	phys := qualified(s.db.Engine, base, t)
	out := &Rollback{}
	keep := map[string]bool{}
	var rebuild []*Index
	now := s.now()
	// Names move around: park every field's name key first.
	if _, err := tx.NewUpdate().Table("fields").Set("name_key = '~' || id").Where("table_id = ?", t.ID).Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "park field names")
	}
	for _, want := range snapTable.Fields {
		cur := byID[want.ID]
		if cur == nil {
			return nil, apperr.New(apperr.FailedPrecondition, "VERSION_UNAVAILABLE",
				"field %s of version %d was purged; this version can no longer be restored", want.ID, v.Number)
		}
		keep[want.ID] = true
		if want.ColumnName != "" {
			ok, err := s.columnExists(ctx, tx, t, byID, want.ColumnName)
			if err != nil {
				return nil, apperr.Wrap(err, "find column")
			}
			if !ok {
				return nil, apperr.New(apperr.FailedPrecondition, "VERSION_UNAVAILABLE",
					"the cells of %q at version %d were removed when the table was compacted; this version can no longer be restored", want.Name, v.Number)
			}
		}
		restoredUnique := cur.Unique
		if cur.ColumnName != want.ColumnName {
			// Indexes on the field move with it: drop them here, build
			// them again on the restored column below.
			indexes, err := s.indexesOf(ctx, tx, t, cur.ID)
			if err != nil {
				return nil, err
			}
			for _, idx := range indexes {
				if idx.Unique {
					if err := s.dropIndex(ctx, tx, base, idx); err != nil {
						return nil, err
					}
					restoredUnique = false
					continue
				}
				if _, err := tx.ExecContext(ctx, "DROP INDEX IF EXISTS "+s.indexName(base, idx)); err != nil {
					return nil, apperr.Wrap(err, "drop index")
				}
				if !slices.ContainsFunc(rebuild, func(x *Index) bool { return x.ID == idx.ID }) {
					rebuild = append(rebuild, idx)
				}
			}
		}
		if cur.ColumnName != want.ColumnName && cur.ColumnName != "" && want.ColumnName != "" {
			if err := s.convertBack(ctx, tx, phys, v.CreatedAt, cur, want, out); err != nil {
				return nil, err
			}
			if err := s.retire(ctx, tx, t, cur); err != nil {
				return nil, err
			}
		}
		if want.ColumnName != "" {
			if _, err := tx.NewDelete().Model((*retiredColumn)(nil)).
				Where("table_id = ? AND column_name = ?", t.ID, want.ColumnName).Exec(ctx); err != nil {
				return nil, apperr.Wrap(err, "reuse column")
			}
		}
		restored := *want
		restored.CreatedAt, restored.DeletedAt, restored.Unique = cur.CreatedAt, nil, restoredUnique
		if want.Required && want.ColumnName != "" && (!cur.Required || cur.ColumnName != want.ColumnName || cur.DeletedAt != nil) {
			if err := s.checkNoEmpty(ctx, tx, base, t, &restored); err != nil {
				return nil, err
			}
		}
		if _, err := tx.NewUpdate().Model(&restored).
			Column("name", "name_key", "description", "type", "options", "required", "position", "column_name", "deleted_at", "is_unique").
			WherePK().Exec(ctx); err != nil {
			return nil, apperr.Wrap(err, "restore field")
		}
	}
	// Fields created since the version (or live now but not then) go.
	for _, f := range t.Fields {
		if keep[f.ID] {
			continue
		}
		indexes, err := s.indexesOf(ctx, tx, t, f.ID)
		if err != nil {
			return nil, err
		}
		for _, idx := range indexes {
			if err := s.dropIndex(ctx, tx, base, idx); err != nil {
				return nil, err
			}
		}
		if _, err := tx.NewUpdate().Table("fields").Set("deleted_at = ?", now).Set("is_unique = FALSE").
			Set("name_key = ?", nameKey(f.Name)).Where("id = ?", f.ID).Exec(ctx); err != nil {
			return nil, apperr.Wrap(err, "delete field")
		}
		if err := s.retire(ctx, tx, t, f); err != nil {
			return nil, err
		}
	}
	t.Name, t.NameKey, t.Description, t.PrimaryFieldID = snapTable.Name, nameKey(snapTable.Name), snapTable.Description, snapTable.PrimaryFieldID
	if err := s.nameFree(ctx, tx, t.BaseID, t.Name, t.ID); err != nil {
		return nil, err
	}
	if err := s.loadFields(ctx, tx, t); err != nil {
		return nil, err
	}
	if err := s.restoreUnique(ctx, tx, base, t, phys, snapTable); err != nil {
		return nil, err
	}
	for _, idx := range rebuild {
		keys := indexKeys(s.db.Engine, t, idx.FieldIDs, idx.Unique)
		if keys == "" || idx.State != IndexReady {
			if err := s.dropIndex(ctx, tx, base, idx); err != nil {
				return nil, err
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, "CREATE INDEX "+quote(idx.PhysicalName)+" ON "+phys+" ("+keys+") WHERE deleted_at IS NULL"); err != nil {
			return nil, apperr.Wrap(err, "rebuild index")
		}
	}
	if err := s.searchIndexes(ctx, tx, base, t); err != nil {
		return nil, err
	}
	if err := s.touch(ctx, tx, t, "rolled back to version "+strconv.FormatInt(v.Number, 10)); err != nil {
		return nil, err
	}
	out.Table, out.Version = t, new(Version)
	if err := tx.NewSelect().Model(out.Version).Where("table_id = ?", t.ID).Order("number DESC").Limit(1).Scan(ctx); err != nil {
		return nil, apperr.Wrap(err, "load version")
	}
	return out, nil
}

// convertBack carries the cells of records changed after the version from
// the field's current column back into the version's column, converting
// them to the version's type; what does not convert is reported.
func (s *Service) convertBack(ctx context.Context, tx bun.IDB, phys string, since time.Time, cur, want *Field, out *Rollback) error {
	curTyp, curOpts := cur.TypeOptions()
	oldTyp, oldOpts := want.TypeOptions()
	env := fieldtype.Env{Now: time.Now}
	var last int64
	for {
		var rows []struct {
			Seq   int64  `bun:"seq"`
			ID    string `bun:"id"`
			Value any    `bun:"v"`
		}
		if err := tx.NewRaw("SELECT seq, id, "+quote(cur.ColumnName)+" AS v FROM "+phys+
			" WHERE seq > ? AND updated_at > ? ORDER BY seq LIMIT "+strconv.Itoa(convertBatch), last, since).Scan(ctx, &rows); err != nil {
			return apperr.Wrap(err, "read changed cells")
		}
		for _, r := range rows {
			last = r.Seq
			var value any
			if r.Value != nil {
				converted, ok, err := fieldtype.Convert(curTyp, curOpts, oldTyp, oldOpts, r.Value, env)
				if err != nil || !ok {
					out.UnconvertedCount++
					if len(out.Unconverted) < maxUnconvertedListed {
						out.Unconverted = append(out.Unconverted, UnconvertedCell{RecordID: r.ID, FieldID: cur.ID, Value: r.Value, Field: cur})
					}
				}
				value = converted
			}
			if _, err := tx.ExecContext(ctx, "UPDATE "+phys+" SET "+quote(want.ColumnName)+" = ? WHERE seq = ?", value, r.Seq); err != nil {
				return apperr.Wrap(err, "write cell back")
			}
		}
		if len(rows) < convertBatch {
			break
		}
	}
	return nil
}

// restoreUnique makes the unique constraints what the version had: on
// where it had them (building the index now, in the transaction, so
// duplicates added since fail the rollback), off elsewhere.
func (s *Service) restoreUnique(ctx context.Context, tx bun.IDB, base *Base, t *Table, phys string, snap *Table) error {
	for _, want := range snap.Fields {
		f := t.field(want.ID)
		if f == nil || want.Unique == f.Unique {
			continue
		}
		indexes, err := s.indexesOf(ctx, tx, t, f.ID)
		if err != nil {
			return err
		}
		for _, idx := range indexes {
			if idx.Unique {
				if err := s.dropIndex(ctx, tx, base, idx); err != nil {
					return err
				}
			}
		}
		if want.Unique {
			if err := s.checkDuplicates(ctx, tx, t, phys, f.ID); err != nil {
				return err
			}
			idx := &Index{ID: ids.New(ids.Index), TableID: t.ID, FieldIDs: storage.StringList{f.ID}, Unique: true, State: IndexReady, CreatedAt: s.now()}
			idx.PhysicalName = "ix_" + strings.ToLower(idx.ID)
			if _, err := tx.ExecContext(ctx, "CREATE UNIQUE INDEX "+quote(idx.PhysicalName)+" ON "+phys+
				" ("+quote(SourceColumn(f))+") WHERE deleted_at IS NULL"); err != nil {
				return apperr.Wrap(err, "build unique index")
			}
			if _, err := tx.NewInsert().Model(idx).Exec(ctx); err != nil {
				return apperr.Wrap(err, "store index")
			}
		}
		f.Unique = want.Unique
		if _, err := tx.NewUpdate().Model(f).Column("is_unique").WherePK().Exec(ctx); err != nil {
			return apperr.Wrap(err, "restore unique")
		}
	}
	return nil
}
