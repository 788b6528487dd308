package schema

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/fieldtype"
	"github.com/pyairtable/pyairtable/server/operation"
)

// DefaultInlineRows is how many records a table may have for a type change
// to convert its cells inside the request; larger tables convert in an
// operation.
const DefaultInlineRows = 10_000

// SetInlineRows sets that threshold.
func (s *Service) SetInlineRows(n int64) { s.inlineRows = n }

// conversionPlan is what a background type change needs.
type conversionPlan struct {
	FromType    string    `json:"from_type"`
	FromOptions string    `json:"from_options"`
	FromColumn  string    `json:"from_column"`
	Source      string    `json:"source"`
	ToType      string    `json:"to_type"`
	ToOptions   string    `json:"to_options"`
	ToColumn    string    `json:"to_column"`
	Since       time.Time `json:"since"`
}

// ConvertField is the operation handler of a background type change. It
// converts the cells in batches, each in its own short transaction, then in
// one last transaction converts again the records written meanwhile and
// switches the field to its new type and column. Run again after a crash,
// it starts over; the cells it wrote are only ever in the new column, which
// no field uses until the switch.
func (s *Service) ConvertField(ctx context.Context, op *operation.Operation) (err error) {
	var plan conversionPlan
	if err := json.Unmarshal([]byte(op.Payload), &plan); err != nil {
		return apperr.Wrap(err, "read conversion plan")
	}
	defer func() {
		if err != nil && ctx.Err() == nil && !s.columnInUse(context.WithoutCancel(ctx), op.FieldID, plan.ToColumn) {
			// The new column stays hidden: it counts against the budget.
			_, _ = s.db.NewInsert().Model(&retiredColumn{TableID: op.TableID, ColumnName: plan.ToColumn, FieldID: op.FieldID,
				Type: plan.ToType, Options: plan.ToOptions, RetiredAt: s.now()}).On("CONFLICT DO NOTHING").Exec(context.WithoutCancel(ctx))
		}
	}()
	t, err := s.GetTable(ctx, s.db, op.TableID)
	if err != nil {
		return err
	}
	base, err := s.GetBase(ctx, s.db, t.BaseID)
	if err != nil {
		return err
	}
	phys := qualified(s.db.Engine, base, t)
	conv, err := s.planConverter(ctx, s.db, base, plan)
	if err != nil {
		return err
	}
	var total, done int64
	_ = s.db.NewRaw("SELECT COUNT(*) FROM "+phys).Scan(ctx, &total)
	var last int64
	for {
		var n int
		err := s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			var rows []struct {
				Seq   int64 `bun:"seq"`
				Value any   `bun:"v"`
			}
			if err := tx.NewRaw("SELECT seq, "+quote(plan.Source)+" AS v FROM "+phys+" WHERE seq > ? ORDER BY seq LIMIT "+
				strconv.Itoa(convertBatch), last).Scan(ctx, &rows); err != nil {
				return err
			}
			n = len(rows)
			for _, r := range rows {
				last = r.Seq
				if err := conv.one(ctx, tx, phys, plan.ToColumn, r.Seq, r.Value); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return apperr.Wrap(err, "convert cells")
		}
		done += int64(n)
		if total > 0 {
			_ = operation.SetProgress(ctx, s.db, op.ID, int(done*100/total))
		}
		if n < convertBatch {
			break
		}
	}
	// Switch, catching up on what was written meanwhile.
	return s.db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		t, _, err := s.liveTable(ctx, tx, op.TableID, "")
		if err != nil {
			return err
		}
		f := t.field(op.FieldID)
		if f == nil || f.Type != plan.FromType || f.ColumnName != plan.FromColumn {
			return apperr.New(apperr.FailedPrecondition, "FIELD_CHANGED",
				"the field was changed or deleted while its cells were being converted; nothing was switched")
		}
		if f.ID == t.PrimaryFieldID {
			probe := *f
			probe.Type = plan.ToType
			if err := canBePrimary(&probe, "type"); err != nil {
				return apperr.New(apperr.FailedPrecondition, "FIELD_CHANGED",
					"the field became the primary field while its cells were being converted, which its new type cannot be; nothing was switched")
			}
		}
		if indexes, err := s.indexesOf(ctx, tx, t, f.ID); err != nil {
			return err
		} else if len(indexes) > 0 {
			return apperr.New(apperr.FailedPrecondition, "FIELD_CHANGED",
				"the field was indexed while its cells were being converted; nothing was switched")
		}
		if err := lockForRewrite(ctx, tx, s.db.Engine, phys); err != nil {
			return err
		}
		catchUp, err := s.planConverter(ctx, tx, base, plan)
		if err != nil {
			return err
		}
		if err := catchUp.run(ctx, tx, phys, plan.Source, plan.ToColumn, "updated_at >= ?", []any{plan.Since}); err != nil {
			return err
		}
		if err := s.retire(ctx, tx, t, f); err != nil {
			return err
		}
		f.ColumnName, f.Type, f.Options = plan.ToColumn, plan.ToType, plan.ToOptions
		if _, err := tx.NewUpdate().Model(f).Column("column_name", "type", "options").WherePK().Exec(ctx); err != nil {
			return apperr.Wrap(err, "switch field")
		}
		if err := operation.SetResult(ctx, tx, op.ID, map[string]string{
			"converted_cells": strconv.FormatInt(conv.converted, 10),
			"cleared_cells":   strconv.FormatInt(conv.cleared, 10),
		}); err != nil {
			return apperr.Wrap(err, "record result")
		}
		kind := tablev1.FieldType(tablev1.FieldType_value[plan.ToType])
		return s.touch(ctx, tx, t, "changed the field "+strconv.Quote(f.Name)+" to a "+
			strings.ToLower(strings.TrimPrefix(kind.String(), "FIELD_TYPE_"))+" field")
	})
}

func (s *Service) planConverter(ctx context.Context, db bun.IDB, base *Base, plan conversionPlan) (*cellConverter, error) {
	from := &Field{Type: plan.FromType, Options: plan.FromOptions}
	to := &Field{Type: plan.ToType, Options: plan.ToOptions}
	fromTyp, fromOpts := from.TypeOptions()
	toTyp, toOpts := to.TypeOptions()
	if fromTyp == nil || toTyp == nil {
		return nil, apperr.New(apperr.Internal, "INTERNAL", "conversion plan names unknown types")
	}
	return &cellConverter{from: fromTyp, fromOpts: fromOpts, to: toTyp, toOpts: toOpts,
		env: fieldtype.Env{ResolveUser: s.MemberResolver(ctx, db, base.WorkspaceID), Now: time.Now}}, nil
}

// columnInUse reports whether a live field uses the column.
func (s *Service) columnInUse(ctx context.Context, fieldID, column string) bool {
	n, err := s.db.NewSelect().Table("fields").Where("id = ? AND column_name = ? AND deleted_at IS NULL", fieldID, column).Count(ctx)
	return err != nil || n > 0
}
