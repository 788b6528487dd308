package schema

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

// LockForChange takes, inside tx, the lock a schema change of the table
// takes (on PostgreSQL the table row FOR UPDATE; SQLite write transactions
// hold the database's write lock already). A record write that may add
// select choices takes it before LockForRecords, so two such writes queue
// instead of deadlocking on the upgrade from the shared lock.
func (s *Service) LockForChange(ctx context.Context, tx bun.IDB, tableID string) error {
	if s.db.Engine != storage.Postgres {
		return nil
	}
	_, err := tx.NewSelect().Table("user_tables").Column("id").Where("id = ?", tableID).For("UPDATE").Exec(ctx)
	return apperr.Wrap(err, "lock table")
}

// AddChoices adds choices to select fields of a table, inside tx: names
// maps a single or multiple select field's id to the names of the choices
// to add (names the field has already, ignoring case, are skipped). New
// choices get "sel…" ids and palette colours. The existing cells keep
// their meaning, so no cell is converted. It records one schema version
// and returns the table's new schema.
//
// Errors: NotFound for an unknown field; InvalidArgument (reason
// INVALID_FIELD_OPTIONS) when a field is not a select field, or a name is
// blank or too long, or the field would have more than
// fieldtype.MaxChoices choices; FailedPrecondition FIELD_CONVERTING while
// the field's type change is converting its cells; the errors of a locked
// table (TABLE_DELETED, BASE_DELETED).
func (s *Service) AddChoices(ctx context.Context, tx bun.IDB, tableID string, names map[string][]string) (*Table, error) {
	t, _, err := s.liveTable(ctx, tx, tableID, "")
	if err != nil {
		return nil, err
	}
	fieldIDs := make([]string, 0, len(names))
	for id := range names {
		fieldIDs = append(fieldIDs, id)
	}
	sort.Strings(fieldIDs)
	var added []string
	for _, id := range fieldIDs {
		f := t.field(id)
		if f == nil {
			return nil, apperr.NotFoundf("field %q not found in table %s", id, tableID).With("field_id", id)
		}
		if !isSelect(f.Kind()) {
			return nil, apperr.Invalid("options.select.choices", "field.select",
				"choices can only be added to a single or multiple select field, not "+strings.ToLower(strings.TrimPrefix(f.Type, "FIELD_TYPE_")))
		}
		if err := s.converting(ctx, tx, t, f.ID); err != nil {
			return nil, err
		}
		typ, opts := f.TypeOptions()
		have := map[string]bool{}
		choices := opts.GetSelect().GetChoices()
		for _, c := range choices {
			have[strings.ToLower(c.GetName())] = true
		}
		var fresh []string
		for _, n := range names[id] {
			n = strings.TrimSpace(n)
			if have[strings.ToLower(n)] {
				continue
			}
			have[strings.ToLower(n)] = true
			choices = append(choices, &tablev1.Choice{Name: n})
			fresh = append(fresh, strconv.Quote(n))
		}
		if len(fresh) == 0 {
			continue
		}
		norm, err := typ.NormalizeOptions(&tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Select{
			Select: &tablev1.SelectOptions{Choices: choices}}})
		if err != nil {
			return nil, err
		}
		f.Options = encodeOptions(norm)
		if _, err := tx.NewUpdate().Model(f).Column("options").WherePK().Exec(ctx); err != nil {
			return nil, apperr.Wrap(err, "update field")
		}
		added = append(added, "added the choices "+strings.Join(fresh, ", ")+" to the field "+strconv.Quote(f.Name))
	}
	if len(added) == 0 {
		return t, nil
	}
	return t, s.touch(ctx, tx, t, strings.Join(added, "; "))
}
