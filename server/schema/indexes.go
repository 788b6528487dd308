package schema

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/operation"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Index states.
const (
	IndexBuilding = "building"
	IndexReady    = "ready"
	IndexFailed   = "failed"
)

// MaxIndexes is the most indexes a table may have, unique fields' included.
const MaxIndexes = 64

// Index is a stored index of a table.
type Index struct {
	bun.BaseModel `bun:"table:table_indexes"`

	ID           string             `bun:"id,pk"`
	TableID      string             `bun:"table_id"`
	FieldIDs     storage.StringList `bun:"field_ids,type:text"`
	Unique       bool               `bun:"is_unique"`
	PhysicalName string             `bun:"physical_name"`
	State        string             `bun:"state"`
	CreatedAt    time.Time          `bun:"created_at"`
}

// uniqueTypes can be unique: one comparable value per cell.
var uniqueTypes = map[tablev1.FieldType]bool{
	tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT: true, tablev1.FieldType_FIELD_TYPE_EMAIL: true,
	tablev1.FieldType_FIELD_TYPE_URL: true, tablev1.FieldType_FIELD_TYPE_PHONE_NUMBER: true,
	tablev1.FieldType_FIELD_TYPE_NUMBER: true, tablev1.FieldType_FIELD_TYPE_CURRENCY: true,
	tablev1.FieldType_FIELD_TYPE_PERCENT: true, tablev1.FieldType_FIELD_TYPE_RATING: true,
	tablev1.FieldType_FIELD_TYPE_DURATION: true, tablev1.FieldType_FIELD_TYPE_DATE: true,
	tablev1.FieldType_FIELD_TYPE_DATE_TIME: true, tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT: true,
	tablev1.FieldType_FIELD_TYPE_COLLABORATOR: true,
}

// resolveField finds a live field of t by id or (case-insensitive) name.
func (t *Table) resolveField(ref string) *Field {
	if f := t.field(ref); f != nil {
		return f
	}
	for _, f := range t.Fields {
		if f.NameKey == nameKey(ref) {
			return f
		}
	}
	return nil
}

// CreateIndex asks for an index on fields of a table (ids or names) and
// returns it with the operation that builds it.
func (s *Service) CreateIndex(ctx context.Context, tx bun.IDB, tableID, userID string, refs []string) (*Index, *operation.Operation, error) {
	t, _, err := s.liveTable(ctx, tx, tableID, "")
	if err != nil {
		return nil, nil, err
	}
	idx := &Index{ID: ids.New(ids.Index), TableID: t.ID, State: IndexBuilding, CreatedAt: s.now()}
	for i, ref := range refs {
		f := t.resolveField(ref)
		if f == nil {
			return nil, nil, apperr.Invalid("fields["+strconv.Itoa(i)+"]", "field.exists", "no field "+strconv.Quote(ref)+" in this table")
		}
		if err := s.converting(ctx, tx, t, f.ID); err != nil {
			return nil, nil, err
		}
		idx.FieldIDs = append(idx.FieldIDs, f.ID)
	}
	return s.addIndex(ctx, tx, t, idx, operation.KindBuildIndex, "", userID)
}

func (s *Service) addIndex(ctx context.Context, tx bun.IDB, t *Table, idx *Index, kind, fieldID, userID string) (*Index, *operation.Operation, error) {
	n, err := tx.NewSelect().Model((*Index)(nil)).Where("table_id = ?", t.ID).Count(ctx)
	if err != nil {
		return nil, nil, apperr.Wrap(err, "count indexes")
	}
	if n >= MaxIndexes {
		return nil, nil, apperr.New(apperr.ResourceExhausted, "INDEX_LIMIT", "a table has at most %d indexes", MaxIndexes).
			With("limit", strconv.Itoa(MaxIndexes))
	}
	idx.PhysicalName = "ix_" + strings.ToLower(idx.ID)
	if _, err := tx.NewInsert().Model(idx).Exec(ctx); err != nil {
		return nil, nil, apperr.Wrap(err, "store index")
	}
	op, err := operation.New(ctx, tx, kind, t.ID, fieldID, idx.ID, userID)
	if err != nil {
		return nil, nil, err
	}
	return idx, op, nil
}

// ListIndexes lists a table's indexes, oldest first.
func (s *Service) ListIndexes(ctx context.Context, db bun.IDB, tableID string) ([]*Index, error) {
	var out []*Index
	err := db.NewSelect().Model(&out).Where("table_id = ?", tableID).Order("created_at", "id").Scan(ctx)
	return out, apperr.Wrap(err, "list indexes")
}

// GetIndex returns an index.
func (s *Service) GetIndex(ctx context.Context, db bun.IDB, tableID, id string) (*Index, error) {
	idx := new(Index)
	err := db.NewSelect().Model(idx).Where("id = ? AND table_id = ?", id, tableID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("index %q not found", id).With("index_id", id)
	}
	return idx, apperr.Wrap(err, "load index")
}

// DeleteIndex drops an index made by CreateIndex.
func (s *Service) DeleteIndex(ctx context.Context, tx bun.IDB, tableID, id string) error {
	t, base, err := s.liveTable(ctx, tx, tableID, "")
	if err != nil {
		return err
	}
	idx, err := s.GetIndex(ctx, tx, t.ID, id)
	if err != nil {
		return err
	}
	if idx.Unique {
		return apperr.New(apperr.FailedPrecondition, "UNIQUE_INDEX",
			"index %s backs a unique field; turn unique off with UpdateField instead", id)
	}
	return s.dropIndex(ctx, tx, base, idx)
}

func (s *Service) dropIndex(ctx context.Context, tx bun.IDB, base *Base, idx *Index) error {
	if _, err := tx.ExecContext(ctx, "DROP INDEX IF EXISTS "+s.indexName(base, idx)); err != nil {
		return apperr.Wrap(err, "drop index")
	}
	_, err := tx.NewDelete().Model(idx).WherePK().Exec(ctx)
	return apperr.Wrap(err, "delete index")
}

// indexName is the qualified physical name of an index.
func (s *Service) indexName(base *Base, idx *Index) string {
	if s.db.Engine == storage.Postgres {
		return quote(base.PhysicalSchema) + "." + quote(idx.PhysicalName)
	}
	return quote(idx.PhysicalName)
}

// indexesOf returns the indexes that include a field.
func (s *Service) indexesOf(ctx context.Context, db bun.IDB, t *Table, fieldID string) ([]*Index, error) {
	all, err := s.ListIndexes(ctx, db, t.ID)
	if err != nil {
		return nil, err
	}
	var out []*Index
	for _, idx := range all {
		for _, id := range idx.FieldIDs {
			if id == fieldID {
				out = append(out, idx)
				break
			}
		}
	}
	return out, nil
}

// setUnique turns a field's unique constraint on (returning the operation
// building its index) or off (dropping the index at once).
func (s *Service) setUnique(ctx context.Context, tx bun.IDB, base *Base, t *Table, f *Field, on bool, userID string) (*operation.Operation, error) {
	if on == f.Unique {
		return nil, nil
	}
	existing, err := s.indexesOf(ctx, tx, t, f.ID)
	if err != nil {
		return nil, err
	}
	if !on {
		for _, idx := range existing {
			if idx.Unique {
				if err := s.dropIndex(ctx, tx, base, idx); err != nil {
					return nil, err
				}
			}
		}
		f.Unique = false
		return nil, nil
	}
	if err := s.converting(ctx, tx, t, f.ID); err != nil {
		return nil, err
	}
	if !uniqueTypes[f.Kind()] {
		return nil, apperr.Invalid("unique", "field.unique_type", "a "+strings.ToLower(strings.TrimPrefix(f.Type, "FIELD_TYPE_"))+" field cannot be unique")
	}
	for _, idx := range existing {
		if idx.Unique && idx.State == IndexBuilding {
			return nil, apperr.New(apperr.FailedPrecondition, "UNIQUE_BUILDING", "unique is already being turned on for %q", f.Name)
		}
		if idx.Unique {
			// A failed earlier attempt: start again.
			if err := s.dropIndex(ctx, tx, base, idx); err != nil {
				return nil, err
			}
		}
	}
	idx := &Index{ID: ids.New(ids.Index), TableID: t.ID, FieldIDs: storage.StringList{f.ID}, Unique: true, State: IndexBuilding, CreatedAt: s.now()}
	_, op, err := s.addIndex(ctx, tx, t, idx, operation.KindEnableUnique, f.ID, userID)
	return op, err
}
