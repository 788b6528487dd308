package schema

import (
	"context"
	"strconv"
	"strings"

	"github.com/uptrace/bun"
	"google.golang.org/protobuf/encoding/protojson"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/fieldtype"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/operation"
)

// Kind returns the field's type.
func (f *Field) Kind() tablev1.FieldType {
	return tablev1.FieldType(tablev1.FieldType_value[f.Type])
}

// TypeOptions returns the field's type behaviour and options.
func (f *Field) TypeOptions() (fieldtype.Type, *tablev1.FieldOptions) {
	typ, _ := fieldtype.Get(f.Kind())
	opts := &tablev1.FieldOptions{}
	_ = protojson.Unmarshal([]byte(f.Options), opts)
	return typ, opts
}

func encodeOptions(o *tablev1.FieldOptions) string {
	if o == nil {
		return "{}"
	}
	b, err := protojson.Marshal(o)
	if err != nil || len(b) == 0 {
		return "{}"
	}
	return string(b)
}

// prefixed puts prefix before the paths of an error's violations.
func prefixed(err error, prefix string) error {
	e, ok := apperr.As(err)
	if !ok || prefix == "" {
		return err
	}
	c := *e
	c.Violations = nil
	for _, v := range e.Violations {
		v.Path = prefix + v.Path
		c.Violations = append(c.Violations, v)
	}
	if len(c.Violations) > 0 {
		c.Message = prefix + e.Message
	}
	return &c
}

func canBePrimary(f *Field, path string) error {
	typ, _ := f.TypeOptions()
	if typ == nil || !typ.CanBePrimary() {
		return apperr.Invalid(path, "field.primary",
			"a "+strings.ToLower(strings.TrimPrefix(f.Type, "FIELD_TYPE_"))+" field cannot be the primary field (it names the record)")
	}
	return nil
}

// newField prepares a field of table t and adds its column; the caller
// stores it. path prefixes violation paths ("fields[2].").
func (s *Service) newField(ctx context.Context, tx bun.IDB, base *Base, t *Table, sp FieldSpec, position int, path string) (*Field, error) {
	typ, ok := fieldtype.Get(sp.Type)
	if !ok {
		return nil, apperr.Invalid(path+"type", "enum.defined_only", "unknown field type "+sp.Type.String())
	}
	opts, err := typ.NormalizeOptions(sp.Options)
	if err != nil {
		return nil, prefixed(err, path)
	}
	f := &Field{
		ID: ids.New(ids.Field), TableID: t.ID, Name: strings.TrimSpace(sp.Name), NameKey: nameKey(sp.Name),
		Description: sp.Description, Type: sp.Type.String(), Options: encodeOptions(opts),
		Required: sp.Required && !typ.ReadOnly(), Position: position, CreatedAt: s.now(),
	}
	if f.Name == "" {
		return nil, apperr.Invalid(path+"name", "string.min_len", "must not be blank")
	}
	if colType := typ.Column(s.db.Engine); colType != "" {
		if f.ColumnName, err = s.takeColumn(ctx, tx, base, t); err != nil {
			return nil, err
		}
		if err := addColumn(ctx, tx, qualified(s.db.Engine, base, t), f.ColumnName, colType); err != nil {
			return nil, apperr.Wrap(err, "add column")
		}
		if err := s.searchIndex(ctx, tx, base, t, f.ColumnName, sp.Type); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// takeColumn names the table's next physical column (names are never
// reused), compacting the table first when the column budget is full.
func (s *Service) takeColumn(ctx context.Context, tx bun.IDB, base *Base, t *Table) (string, error) {
	if err := s.makeRoom(ctx, tx, base, t); err != nil {
		return "", err
	}
	name := "c" + strconv.Itoa(t.NextColumn)
	t.NextColumn++
	return name, nil
}

func (s *Service) fieldNameFree(t *Table, name, exceptID string) error {
	for _, f := range t.Fields {
		if f.ID != exceptID && f.NameKey == nameKey(name) {
			return nameTaken("name", name)
		}
	}
	return nil
}

// CreateField adds a field to a table.
func (s *Service) CreateField(ctx context.Context, tx bun.IDB, tableID, etag string, sp FieldSpec) (*Field, *Table, error) {
	t, base, err := s.liveTable(ctx, tx, tableID, etag)
	if err != nil {
		return nil, nil, err
	}
	if len(t.Fields) >= MaxFields {
		return nil, nil, apperr.New(apperr.ResourceExhausted, "FIELD_LIMIT", "a table has at most %d fields", MaxFields).
			With("limit", strconv.Itoa(MaxFields))
	}
	if err := s.fieldNameFree(t, sp.Name, ""); err != nil {
		return nil, nil, prefixed(err, "field.")
	}
	position := 0
	for _, f := range t.Fields {
		position = max(position, f.Position+1)
	}
	f, err := s.newField(ctx, tx, base, t, sp, position, "field.")
	if err != nil {
		return nil, nil, err
	}
	if _, err := tx.NewInsert().Model(f).Exec(ctx); err != nil {
		return nil, nil, apperr.Wrap(err, "store field")
	}
	t.Fields = append(t.Fields, f)
	return f, t, s.touch(ctx, tx, t, "added the field "+strconv.Quote(f.Name))
}

// FieldPatch holds the field properties to change; nil ones are kept.
type FieldPatch struct {
	Name        *string
	Description *string
	Type        *tablev1.FieldType
	Options     *tablev1.FieldOptions
	Required    *bool
	Unique      *bool
}

// FieldChange is the outcome of UpdateField.
type FieldChange struct {
	Field *Field
	Table *Table
	// Converted and Cleared count cells of a type or choice change.
	Converted, Cleared int64
	// Operation builds the unique index when unique was turned on.
	Operation *operation.Operation
}

// UpdateField changes a field. A type change (or a change of a select
// field's choices) converts every cell into a new column and keeps the old
// column hidden.
func (s *Service) UpdateField(ctx context.Context, tx bun.IDB, tableID, fieldID, etag, userID string, p FieldPatch) (*FieldChange, error) {
	t, base, err := s.liveTable(ctx, tx, tableID, etag)
	if err != nil {
		return nil, err
	}
	f := t.field(fieldID)
	if f == nil {
		return nil, apperr.NotFoundf("field %q not found in table %s", fieldID, tableID).With("field_id", fieldID)
	}
	change := &FieldChange{Field: f, Table: t}
	summary := "changed the field " + strconv.Quote(f.Name)
	if p.Type != nil && *p.Type != f.Kind() {
		summary += " to a " + strings.ToLower(strings.TrimPrefix(p.Type.String(), "FIELD_TYPE_")) + " field"
	}
	if p.Name != nil {
		if err := s.fieldNameFree(t, *p.Name, f.ID); err != nil {
			return nil, err
		}
		if strings.TrimSpace(*p.Name) == "" {
			return nil, apperr.Invalid("name", "string.min_len", "must not be blank")
		}
		f.Name, f.NameKey = strings.TrimSpace(*p.Name), nameKey(*p.Name)
	}
	if p.Description != nil {
		f.Description = *p.Description
	}
	if p.Type != nil || p.Options != nil {
		if err := s.retype(ctx, tx, base, t, f, p, change); err != nil {
			return nil, err
		}
	}
	if change.Operation != nil {
		// A large table's cells convert in the background; the field
		// switches type when that is done.
		summary = "started converting the field " + strconv.Quote(f.Name) + " (operation " + change.Operation.ID + ")"
		if p.Unique != nil {
			return nil, apperr.Invalid("unique", "field.unique_with_conversion",
				"change unique once the type change's operation is done")
		}
	}
	if p.Unique != nil {
		if change.Operation, err = s.setUnique(ctx, tx, base, t, f, *p.Unique, userID); err != nil {
			return nil, err
		}
	}
	if p.Required != nil {
		typ, _ := f.TypeOptions()
		if *p.Required && !f.Required && !typ.ReadOnly() {
			if err := s.checkNoEmpty(ctx, tx, base, t, f); err != nil {
				return nil, err
			}
		}
		f.Required = *p.Required && !typ.ReadOnly()
	}
	if f.ID == t.PrimaryFieldID {
		if err := canBePrimary(f, "type"); err != nil {
			return nil, err
		}
	}
	if _, err := tx.NewUpdate().Model(f).WherePK().Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "update field")
	}
	return change, s.touch(ctx, tx, t, summary)
}

// checkNoEmpty refuses making a field required while records lack a value.
func (s *Service) checkNoEmpty(ctx context.Context, tx bun.IDB, base *Base, t *Table, f *Field) error {
	var n int
	err := tx.NewRaw("SELECT COUNT(*) FROM "+qualified(s.db.Engine, base, t)+
		" WHERE deleted_at IS NULL AND "+quote(f.ColumnName)+" IS NULL").Scan(ctx, &n)
	if err != nil {
		return apperr.Wrap(err, "count empty cells")
	}
	if n > 0 {
		return apperr.New(apperr.FailedPrecondition, "REQUIRED_VIOLATION",
			"%d records have no value in %q; fill them before making it required", n, f.Name).
			With("empty_records", strconv.Itoa(n))
	}
	return nil
}

// DeleteField removes a field; its column is kept hidden.
func (s *Service) DeleteField(ctx context.Context, tx bun.IDB, tableID, fieldID, etag string) (*Table, error) {
	t, base, err := s.liveTable(ctx, tx, tableID, etag)
	if err != nil {
		return nil, err
	}
	f := t.field(fieldID)
	if f == nil {
		return nil, apperr.NotFoundf("field %q not found in table %s", fieldID, tableID).With("field_id", fieldID)
	}
	if f.ID == t.PrimaryFieldID {
		return nil, apperr.New(apperr.FailedPrecondition, "PRIMARY_FIELD",
			"the primary field cannot be deleted; make another field primary with UpdateTable first")
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
	now := s.now()
	f.DeletedAt, f.Unique = &now, false
	if _, err := tx.NewUpdate().Model(f).Column("deleted_at", "is_unique").WherePK().Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "delete field")
	}
	if err := s.retire(ctx, tx, t, f); err != nil {
		return nil, err
	}
	kept := t.Fields[:0]
	for _, g := range t.Fields {
		if g.ID != f.ID {
			kept = append(kept, g)
		}
	}
	t.Fields = kept
	return t, s.touch(ctx, tx, t, "deleted the field "+strconv.Quote(f.Name))
}

// retire records a column no field uses any more.
func (s *Service) retire(ctx context.Context, tx bun.IDB, t *Table, f *Field) error {
	if f.ColumnName == "" {
		return nil
	}
	_, err := tx.NewInsert().Model(&retiredColumn{
		TableID: t.ID, ColumnName: f.ColumnName, FieldID: f.ID, Type: f.Type, Options: f.Options, RetiredAt: s.now(),
	}).On("CONFLICT DO NOTHING").Exec(ctx)
	return apperr.Wrap(err, "retire column")
}
