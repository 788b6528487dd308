package record

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/filter"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/view"
)

// ReasonInvalidQuery is the reason of a list or count refused for a part
// other than its filter (filter.ReasonInvalidFilter), sorts
// (filter.ReasonInvalidSort) or page token (INVALID_PAGE_TOKEN): fields
// to return, search text, or what the trash listing takes.
const ReasonInvalidQuery = "INVALID_QUERY"

// MaxSearchLength is the most characters of a search text.
const MaxSearchLength = 1000

// plan is a query resolved against a table: the columns to read, the
// WHERE conditions (live records, view filter, filter, search) and the
// sort keys.
type plan struct {
	layout *Layout
	cols   []*Column
	where  []string
	args   []any
	keys   []filter.Key
}

// cond adds a WHERE condition and its arguments.
func (p *plan) cond(sql string, args ...any) {
	p.where = append(p.where, sql)
	p.args = append(p.args, args...)
}

// whereSQL is the WHERE clause's body: every condition ANDed.
func (p *plan) whereSQL() string { return strings.Join(p.where, " AND ") }

// liveTable returns the layout of a table in use (from the cached schema):
// NotFound for an unknown table, FailedPrecondition TABLE_DELETED for one
// in the trash.
func (s *Service) liveTable(ctx context.Context, tableID string) (*Layout, error) {
	t, err := s.schemas.Table(ctx, tableID)
	if err != nil {
		return nil, err
	}
	if t.DeletedAt != nil {
		return nil, apperr.New(apperr.FailedPrecondition, "TABLE_DELETED",
			"table %s is deleted; restore it with RestoreTable first", tableID).With("table_id", tableID)
	}
	return s.layout(t), nil
}

// project resolves the fields to return (names or ids) to columns, in the
// order given; an unknown field is a violation at fields[i]. Empty refs
// give every field.
func project(l *Layout, refs []string) ([]*Column, error) {
	if len(refs) == 0 {
		return l.Columns, nil
	}
	var vs apperr.Violations
	cols := make([]*Column, 0, len(refs))
	seen := make(map[string]bool, len(refs))
	for i, ref := range refs {
		c := l.Column(ref)
		if c == nil {
			vs.Add("fields["+strconv.Itoa(i)+"]", "field.exists",
				"no field %s in the table (name a field by id or by name)", strconv.Quote(ref))
			continue
		}
		if !seen[c.Field.ID] {
			seen[c.Field.ID] = true
			cols = append(cols, c)
		}
	}
	if err := vs.Err(ReasonInvalidQuery); err != nil {
		return nil, err
	}
	return cols, nil
}

// resolveView finds a view of the table by id or by name (ignoring case)
// and resolves it against the table's current fields; fields it names that
// no longer fit are left out (see package view).
func (s *Service) resolveView(ctx context.Context, tableID, ref string) (*view.Resolved, error) {
	ref = strings.TrimSpace(ref)
	var id string
	err := s.db.NewSelect().Table("views").Column("id").
		Where("table_id = ? AND (id = ? OR name_key = ?)", tableID, ref, strings.ToLower(ref)).
		OrderExpr("CASE WHEN id = ? THEN 0 ELSE 1 END", ref).Limit(1).Scan(ctx, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("no view %s in table %s (name a view by id or by name)", strconv.Quote(ref), tableID).
			With("view", ref)
	}
	if err != nil {
		return nil, apperr.Wrap(err, "find view")
	}
	return s.views.GetView(ctx, s.db, tableID, id)
}

// plan resolves a live-record query: view, filter, search, sorts and
// fields, against the table's current schema. withSorts is false for
// counts, which ignore sorts and fields.
func (s *Service) plan(ctx context.Context, l *Layout, q Query, withSorts bool) (*plan, error) {
	p := &plan{layout: l, cols: l.Columns}
	p.cond("deleted_at IS NULL")
	var v *view.Resolved
	if q.View != "" {
		var err error
		if v, err = s.resolveView(ctx, l.Table.ID, q.View); err != nil {
			return nil, err
		}
		if err := p.addFilter(s, v.Filter); err != nil {
			return nil, err
		}
	}
	tree, err := filter.Validate(q.Filter, l.Table.Fields)
	if err != nil {
		return nil, err
	}
	if err := p.addFilter(s, tree); err != nil {
		return nil, err
	}
	if err := p.addSearch(ctx, s, q.Search); err != nil {
		return nil, err
	}
	if !withSorts {
		return p, nil
	}
	var sorts []filter.Sort
	switch {
	case len(q.Sorts) > 0:
		if sorts, err = filter.ValidateSorts(q.Sorts, l.Table.Fields); err != nil {
			return nil, err
		}
	case v != nil:
		sorts = v.Sorts
	}
	if p.keys, err = filter.Keys(sorts, s.db.Engine, columnOf); err != nil {
		return nil, err
	}
	switch {
	case len(q.Fields) > 0:
		if p.cols, err = project(l, q.Fields); err != nil {
			return nil, err
		}
	case v != nil && len(v.VisibleFieldIDs) > 0:
		p.cols = make([]*Column, 0, len(v.VisibleFieldIDs))
		for _, id := range v.VisibleFieldIDs {
			if c := l.ColumnByID(id); c != nil {
				p.cols = append(p.cols, c)
			}
		}
	}
	return p, nil
}

// addFilter compiles a checked filter into a condition.
func (p *plan) addFilter(s *Service, t *filter.Tree) error {
	sqlText, args, err := filter.Compile(t, s.db.Engine, columnOf, s.now())
	if err != nil {
		return err
	}
	if sqlText != "" {
		p.cond(sqlText, args...)
	}
	return nil
}

// scope names the list a page token belongs to: the table, and a hash of
// every parameter that shapes the list (view, filter, sorts, search,
// fields, page size, trash) and of the sort keys' fields and types, so a
// token is refused by another table, another query, or after a sorted
// field changed type.
func scope(tableID string, q Query, size int, keys []filter.Key) string {
	h := sha256.New()
	put := func(parts ...string) {
		for _, part := range parts {
			h.Write([]byte(strconv.Itoa(len(part))))
			h.Write([]byte{':'})
			h.Write([]byte(part))
		}
	}
	put(q.View, q.Search, strconv.Itoa(size), strconv.FormatBool(q.Deleted))
	det := proto.MarshalOptions{Deterministic: true}
	if q.Filter != nil {
		raw, _ := det.Marshal(q.Filter)
		put("filter", string(raw))
	}
	for _, srt := range q.Sorts {
		raw, _ := det.Marshal(srt)
		put("sort", string(raw))
	}
	for _, f := range q.Fields {
		put("field", f)
	}
	for _, k := range keys {
		put("key", k.Sort.Field.ID, k.Sort.Field.Type, strconv.FormatBool(k.Sort.Descending))
	}
	return "rec:" + tableID + ":" + hex.EncodeToString(h.Sum(nil)[:12])
}

// isTextKind reports whether search looks into fields of the kind.
func isTextKind(f *schema.Field) bool { return schema.Searchable(f.Kind()) }
