package schema

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/uptrace/bun"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/pagetoken"
	"github.com/pyairtable/pyairtable/server/storage"
)

func tableNotFound(id string) error {
	return apperr.NotFoundf("table %q not found", id).With("table_id", id)
}

// FieldSpec describes a field to create.
type FieldSpec struct {
	Name        string
	Description string
	Type        tablev1.FieldType
	Options     *tablev1.FieldOptions
	Required    bool
}

// CreateTable makes a table in a base with its first fields; the first
// field is the primary field.
func (s *Service) CreateTable(ctx context.Context, tx bun.IDB, baseID, userID, name, description string, specs []FieldSpec) (*Table, error) {
	base, err := s.liveBase(ctx, tx, baseID)
	if err != nil {
		return nil, err
	}
	if err := s.nameFree(ctx, tx, baseID, name, ""); err != nil {
		return nil, err
	}
	seen := map[string]int{}
	for i, sp := range specs {
		if j, dup := seen[nameKey(sp.Name)]; dup {
			return nil, apperr.Invalid("fields["+strconv.Itoa(i)+"].name", "field.name_unique",
				"the name "+strconv.Quote(sp.Name)+" is used by fields["+strconv.Itoa(j)+"] too; field names are unique ignoring case")
		}
		seen[nameKey(sp.Name)] = i
	}
	now := s.now()
	t := &Table{
		ID: ids.New(ids.Table), BaseID: baseID, Name: name, NameKey: nameKey(name), Description: description,
		NextColumn: 1, Etag: newEtag(), CreatedBy: userID, CreatedAt: now, UpdatedAt: now,
	}
	t.PhysicalName = physicalTableName(s.db.Engine, base, t.ID)
	phys := qualified(s.db.Engine, base, t)
	if err := createPhysicalTable(ctx, tx, s.db.Engine, phys); err != nil {
		return nil, apperr.Wrap(err, "create table")
	}
	for i, sp := range specs {
		f, err := s.newField(ctx, tx, base, t, sp, i, "fields["+strconv.Itoa(i)+"].")
		if err != nil {
			return nil, err
		}
		t.Fields = append(t.Fields, f)
	}
	if err := canBePrimary(t.Fields[0], "fields[0].type"); err != nil {
		return nil, err
	}
	t.PrimaryFieldID = t.Fields[0].ID
	if _, err := tx.NewInsert().Model(t).Exec(ctx); err != nil {
		if storage.IsUniqueViolation(err) {
			return nil, nameTaken("name", name)
		}
		return nil, apperr.Wrap(err, "store table")
	}
	for _, f := range t.Fields {
		if _, err := tx.NewInsert().Model(f).Exec(ctx); err != nil {
			return nil, apperr.Wrap(err, "store field")
		}
	}
	if _, err := s.recordVersion(ctx, tx, t, "created the table"); err != nil {
		return nil, err
	}
	return t, nil
}

func nameTaken(path, name string) error {
	e := apperr.New(apperr.AlreadyExists, "NAME_TAKEN", "the name %q is taken (names are unique ignoring case)", name)
	e.Violations = []apperr.Violation{{Path: path, Rule: "name.unique", Message: "is already used"}}
	return e
}

// nameFree refuses a table name used by another live table of the base.
func (s *Service) nameFree(ctx context.Context, db bun.IDB, baseID, name, exceptID string) error {
	q := db.NewSelect().Table("user_tables").
		Where("base_id = ? AND name_key = ? AND deleted_at IS NULL", baseID, nameKey(name))
	if exceptID != "" {
		q = q.Where("id <> ?", exceptID)
	}
	n, err := q.Count(ctx)
	if err != nil {
		return apperr.Wrap(err, "check table name")
	}
	if n > 0 {
		return nameTaken("name", name)
	}
	return nil
}

// GetTable returns a table with its live fields, deleted or not.
func (s *Service) GetTable(ctx context.Context, db bun.IDB, id string) (*Table, error) {
	t := new(Table)
	err := db.NewSelect().Model(t).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tableNotFound(id)
	}
	if err != nil {
		return nil, apperr.Wrap(err, "load table")
	}
	if err := s.loadFields(ctx, db, t); err != nil {
		return nil, err
	}
	if s.db.Engine == storage.Postgres {
		if err := db.NewSelect().Table("bases").Column("physical_schema").Where("id = ?", t.BaseID).Scan(ctx, &t.BaseSchema); err != nil {
			return nil, apperr.Wrap(err, "load base schema")
		}
	}
	return t, nil
}

func (s *Service) loadFields(ctx context.Context, db bun.IDB, tables ...*Table) error {
	if len(tables) == 0 {
		return nil
	}
	byID := map[string]*Table{}
	tableIDs := make([]string, len(tables))
	for i, t := range tables {
		byID[t.ID], tableIDs[i] = t, t.ID
		t.Fields = nil
	}
	var fields []*Field
	if err := db.NewSelect().Model(&fields).Where("table_id IN (?) AND deleted_at IS NULL", bun.In(tableIDs)).
		Order("table_id", "position").Scan(ctx); err != nil {
		return apperr.Wrap(err, "load fields")
	}
	for _, f := range fields {
		byID[f.TableID].Fields = append(byID[f.TableID].Fields, f)
	}
	return nil
}

// liveTable loads a table in use, with its base, for a schema change:
// locked against concurrent changes (PostgreSQL; SQLite transactions hold
// the write lock), and checked against the etag when one is given.
func (s *Service) liveTable(ctx context.Context, tx bun.IDB, id, etag string) (*Table, *Base, error) {
	if s.db.Engine == storage.Postgres {
		if _, err := tx.NewSelect().Table("user_tables").Column("id").Where("id = ?", id).For("UPDATE").Exec(ctx); err != nil {
			return nil, nil, apperr.Wrap(err, "lock table")
		}
	}
	t, err := s.GetTable(ctx, tx, id)
	if err != nil {
		return nil, nil, err
	}
	if t.DeletedAt != nil {
		return nil, nil, apperr.New(apperr.FailedPrecondition, "TABLE_DELETED",
			"table %s is deleted; restore it with RestoreTable first", id).With("table_id", id)
	}
	base, err := s.liveBase(ctx, tx, t.BaseID)
	if err != nil {
		return nil, nil, err
	}
	if etag != "" && etag != t.Etag {
		return nil, nil, apperr.New(apperr.FailedPrecondition, "ETAG_MISMATCH",
			"table %s changed since you read it (etag %s, now %s); read it again and retry", id, etag, t.Etag).
			With("etag", t.Etag)
	}
	return t, base, nil
}

// touch records a schema change of the table: new etag and change time,
// and a new version with the summary.
func (s *Service) touch(ctx context.Context, tx bun.IDB, t *Table, summary string) error {
	t.Etag, t.UpdatedAt = newEtag(), s.now()
	_, err := tx.NewUpdate().Model(t).
		Column("name", "name_key", "description", "primary_field_id", "next_column", "etag", "updated_at").
		WherePK().Exec(ctx)
	if err != nil {
		if storage.IsUniqueViolation(err) {
			return nameTaken("name", t.Name)
		}
		return apperr.Wrap(err, "update table")
	}
	if _, err = s.recordVersion(ctx, tx, t, summary); err != nil {
		return err
	}
	return apperr.Wrap(s.invalidate(ctx, tx, t.ID), "invalidate schema cache")
}

// TablePage is a page of tables.
type TablePage struct {
	Tables []*Table
	Next   string
}

// ListTables lists a base's tables with their fields, oldest first: those
// in use, or the deleted ones.
func (s *Service) ListTables(ctx context.Context, db bun.IDB, baseID string, size int, pageToken string, deleted bool) (*TablePage, error) {
	size = pagetoken.Size(size)
	q := db.NewSelect().Model((*Table)(nil)).Where("base_id = ?", baseID)
	if deleted {
		q = q.Where("deleted_at IS NOT NULL")
	} else {
		q = q.Where("deleted_at IS NULL")
	}
	scope := "tables:" + baseID + ":" + boolString(deleted)
	if pageToken != "" {
		var c timeCursor
		if err := s.pages.Decode(pageToken, scope, &c); err != nil {
			return nil, err
		}
		q = q.Where("(created_at > ? OR (created_at = ? AND id > ?))", c.CreatedAt, c.CreatedAt, c.ID)
	}
	var rows []*Table
	if err := q.Order("created_at ASC", "id ASC").Limit(int64(size+1)).Scan(ctx, &rows); err != nil {
		return nil, apperr.Wrap(err, "list tables")
	}
	rows, next, err := pagetoken.Trim(s.pages, scope, rows, size, func(last *Table) any {
		return timeCursor{CreatedAt: last.CreatedAt, ID: last.ID}
	})
	if err != nil {
		return nil, err
	}
	return &TablePage{Tables: rows, Next: next}, s.loadFields(ctx, db, rows...)
}

// TablePatch holds the table fields to change; nil fields are kept.
type TablePatch struct {
	Name           *string
	Description    *string
	PrimaryFieldID *string
}

// UpdateTable changes a table's name, description or primary field.
func (s *Service) UpdateTable(ctx context.Context, tx bun.IDB, id, etag string, p TablePatch) (*Table, error) {
	t, _, err := s.liveTable(ctx, tx, id, etag)
	if err != nil {
		return nil, err
	}
	if p.Name != nil {
		if err := s.nameFree(ctx, tx, t.BaseID, *p.Name, t.ID); err != nil {
			return nil, err
		}
		t.Name, t.NameKey = *p.Name, nameKey(*p.Name)
	}
	if p.Description != nil {
		t.Description = *p.Description
	}
	if p.PrimaryFieldID != nil {
		f := t.field(*p.PrimaryFieldID)
		if f == nil {
			return nil, apperr.Invalid("primary_field_id", "field.exists", "no field "+*p.PrimaryFieldID+" in this table")
		}
		if err := canBePrimary(f, "primary_field_id"); err != nil {
			return nil, err
		}
		if err := s.converting(ctx, tx, t, f.ID); err != nil {
			return nil, err
		}
		t.PrimaryFieldID = f.ID
	}
	return t, s.touch(ctx, tx, t, "changed the table's name, description or primary field")
}

// DeleteTable moves a table to the trash until its purge time.
func (s *Service) DeleteTable(ctx context.Context, tx bun.IDB, id, etag string) (*Table, error) {
	t, _, err := s.liveTable(ctx, tx, id, etag)
	if err != nil {
		return nil, err
	}
	now := s.now()
	purge := now.Add(s.trash)
	t.DeletedAt, t.PurgeAt = &now, &purge
	if _, err := tx.NewUpdate().Model(t).Column("deleted_at", "purge_at").WherePK().Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "delete table")
	}
	return t, s.touch(ctx, tx, t, "deleted the table")
}

// RestoreTable brings a deleted table back, if its name is still free.
func (s *Service) RestoreTable(ctx context.Context, tx bun.IDB, id string) (*Table, error) {
	t, err := s.GetTable(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if t.DeletedAt == nil {
		return nil, apperr.New(apperr.FailedPrecondition, "NOT_DELETED", "table %s is not deleted", id).With("table_id", id)
	}
	if _, err := s.liveBase(ctx, tx, t.BaseID); err != nil {
		return nil, err
	}
	if err := s.nameFree(ctx, tx, t.BaseID, t.Name, t.ID); err != nil {
		return nil, err
	}
	t.DeletedAt, t.PurgeAt = nil, nil
	if _, err := tx.NewUpdate().Model(t).Column("deleted_at", "purge_at").WherePK().Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "restore table")
	}
	return t, s.touch(ctx, tx, t, "restored the table")
}

func (t *Table) field(id string) *Field {
	for _, f := range t.Fields {
		if f.ID == id {
			return f
		}
	}
	return nil
}

// Physical returns the quoted physical name of a table (schema-qualified on
// PostgreSQL), deleted or not.
func (s *Service) Physical(ctx context.Context, db bun.IDB, tableID string) (string, error) {
	t, err := s.GetTable(ctx, db, tableID)
	if err != nil {
		return "", err
	}
	base, err := s.GetBase(ctx, db, t.BaseID)
	if err != nil {
		return "", err
	}
	return qualified(s.db.Engine, base, t), nil
}
