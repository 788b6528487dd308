package schema

import (
	"context"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/fieldtype"
	"github.com/pyairtable/pyairtable/server/operation"
)

// convertBatch is how many rows a conversion reads at a time.
const convertBatch = 1000

// SourceColumn is the column a field's cells are read from: its own column,
// or the system column a computed field reads.
func SourceColumn(f *Field) string {
	switch f.Kind() {
	case tablev1.FieldType_FIELD_TYPE_AUTO_NUMBER:
		return "seq"
	case tablev1.FieldType_FIELD_TYPE_CREATED_TIME:
		return "created_at"
	case tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_TIME:
		return "updated_at"
	case tablev1.FieldType_FIELD_TYPE_CREATED_BY:
		return "created_by"
	case tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_BY:
		return "updated_by"
	}
	return f.ColumnName
}

func isSelect(k tablev1.FieldType) bool {
	return k == tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT || k == tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS
}

// retype applies a type or options change. Changing a type, or a select
// field's choices, converts every cell into a new column and keeps the old
// one hidden; other option changes touch metadata only.
func (s *Service) retype(ctx context.Context, tx bun.IDB, base *Base, t *Table, f *Field, p FieldPatch, change *FieldChange) error {
	oldTyp, oldOpts := f.TypeOptions()
	newKind := f.Kind()
	if p.Type != nil {
		newKind = *p.Type
	}
	newTyp, ok := fieldtype.Get(newKind)
	if !ok {
		return apperr.Invalid("type", "enum.defined_only", "unknown field type "+newKind.String())
	}
	opts := p.Options
	if opts == nil && newKind == f.Kind() {
		opts = oldOpts
	}
	newOpts, err := newTyp.NormalizeOptions(opts)
	if err != nil {
		return err
	}
	if newKind == f.Kind() && !isSelect(newKind) {
		f.Options = encodeOptions(newOpts)
		return nil
	}
	if err := s.converting(ctx, tx, t, f.ID); err != nil {
		return err
	}
	if indexes, err := s.indexesOf(ctx, tx, t, f.ID); err != nil {
		return err
	} else if len(indexes) > 0 {
		return apperr.New(apperr.FailedPrecondition, "INDEXED_FIELD",
			"%q is indexed or unique; delete its indexes (or turn unique off) before changing its type or choices", f.Name)
	}
	if fieldtype.ConversionOf(f.Kind(), newKind) == fieldtype.Refused || newTyp.Column(s.db.Engine) == "" {
		return apperr.New(apperr.FailedPrecondition, "CONVERSION_REFUSED",
			"a %s field cannot become a %s field (see docs/field-conversions.md)", f.Kind(), newKind).
			With("from", f.Kind().String()).With("to", newKind.String())
	}
	phys := qualified(s.db.Engine, base, t)
	// Count (up to the threshold) before the ALTER takes its lock.
	var rows int64
	if err := tx.NewRaw("SELECT COUNT(*) FROM (SELECT 1 FROM "+phys+" LIMIT "+strconv.FormatInt(s.inlineRows+1, 10)+") AS n").Scan(ctx, &rows); err != nil {
		return apperr.Wrap(err, "count records")
	}
	newCol, err := s.takeColumn(ctx, tx, base, t)
	if err != nil {
		return err
	}
	if err := addColumn(ctx, tx, phys, newCol, newTyp.Column(s.db.Engine)); err != nil {
		return apperr.Wrap(err, "add column")
	}
	if err := s.searchIndex(ctx, tx, base, t, newCol, newKind); err != nil {
		return err
	}
	if f.ID == t.PrimaryFieldID && !newTyp.CanBePrimary() {
		probe := *f
		probe.Type = newKind.String()
		if err := canBePrimary(&probe, "type"); err != nil {
			return err
		}
	}
	if rows > s.inlineRows {
		// A large table converts in the background, batch by batch; the
		// field keeps its type until the operation switches it.
		op, err := operation.New(ctx, tx, operation.KindConvertField, t.ID, f.ID, "", actor(ctx), conversionPlan{
			FromType: f.Type, FromOptions: f.Options, FromColumn: f.ColumnName, Source: SourceColumn(f),
			ToType: newKind.String(), ToOptions: encodeOptions(newOpts), ToColumn: newCol, Since: s.now(),
		})
		if err != nil {
			return err
		}
		change.Operation = op
		return nil
	}
	conv := &cellConverter{from: oldTyp, fromOpts: oldOpts, to: newTyp, toOpts: newOpts,
		env: fieldtype.Env{ResolveUser: s.MemberResolver(ctx, tx, base.WorkspaceID), Now: time.Now}}
	if err := conv.run(ctx, tx, phys, SourceColumn(f), newCol, "", nil); err != nil {
		return err
	}
	change.Converted, change.Cleared = conv.converted, conv.cleared
	if err := s.retire(ctx, tx, t, f); err != nil {
		return err
	}
	f.ColumnName, f.Type, f.Options = newCol, newKind.String(), encodeOptions(newOpts)
	return nil
}

// cellConverter converts cells of one type into a column of another.
type cellConverter struct {
	from, to           fieldtype.Type
	fromOpts, toOpts   *tablev1.FieldOptions
	env                fieldtype.Env
	converted, cleared int64
}

// run converts the cells of src into dst for the rows matching where (with
// args), all rows when where is empty, reading convertBatch rows at a time.
func (c *cellConverter) run(ctx context.Context, db bun.IDB, phys, src, dst, where string, args []any) error {
	var last int64
	for {
		var rows []struct {
			Seq   int64 `bun:"seq"`
			Value any   `bun:"v"`
		}
		cond := "seq > ?"
		if where != "" {
			cond += " AND " + where
		}
		err := db.NewRaw("SELECT seq, "+quote(src)+" AS v FROM "+phys+" WHERE "+cond+" ORDER BY seq LIMIT "+strconv.Itoa(convertBatch),
			append([]any{last}, args...)...).Scan(ctx, &rows)
		if err != nil {
			return apperr.Wrap(err, "read cells")
		}
		for _, r := range rows {
			last = r.Seq
			if err := c.one(ctx, db, phys, dst, r.Seq, r.Value); err != nil {
				return err
			}
		}
		if len(rows) < convertBatch {
			return nil
		}
	}
}

func (c *cellConverter) one(ctx context.Context, db bun.IDB, phys, dst string, seq int64, value any) error {
	var out any
	if value != nil {
		converted, ok, err := fieldtype.Convert(c.from, c.fromOpts, c.to, c.toOpts, value, c.env)
		if err != nil {
			return err
		}
		if !ok {
			c.cleared++
		}
		out = converted
	}
	if out != nil {
		c.converted++
	}
	if _, err := db.ExecContext(ctx, "UPDATE "+phys+" SET "+quote(dst)+" = ? WHERE seq = ?", out, seq); err != nil {
		return apperr.Wrap(err, "write converted cell")
	}
	return nil
}

// MemberResolver finds a member of the workspace by user id or email.
func (s *Service) MemberResolver(ctx context.Context, db bun.IDB, workspaceID string) func(string) (string, bool) {
	return func(idOrEmail string) (string, bool) {
		var id string
		err := db.NewSelect().TableExpr("members AS m").Column("m.user_id").
			Join("JOIN users AS u ON u.id = m.user_id").
			Where("m.workspace_id = ? AND (u.id = ? OR u.email = lower(?))", workspaceID, idOrEmail, idOrEmail).
			Limit(1).Scan(ctx, &id)
		return id, err == nil && id != ""
	}
}
