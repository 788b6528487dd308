package view

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/filter"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/pagetoken"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Limits.
const (
	// MaxViews is the most views a table has.
	MaxViews = 1000
	// MaxNameLength is the most characters of a view name.
	MaxNameLength = 255
	// MaxVisibleFields is the most visible fields a view lists.
	MaxVisibleFields = schema.MaxFields
)

// ReasonInvalidView is the reason of a view that is refused for its name,
// kind, settings or visible fields. Filters and sorts are refused with
// filter.ReasonInvalidFilter and filter.ReasonInvalidSort.
const ReasonInvalidView = "INVALID_VIEW"

// Service manages views.
type Service struct {
	engine storage.Engine
	pages  *pagetoken.Codec
	tables *schema.Service
	now    func() time.Time
}

// NewService returns a Service for views of the tables schema manages, in
// db.
func NewService(db *storage.DB, pages *pagetoken.Codec, tables *schema.Service) *Service {
	return &Service{engine: db.Engine, pages: pages, tables: tables,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Resolved is a view as it applies to its table's current fields.
type Resolved struct {
	// View is the stored view.
	*View
	// Kind is the view's kind.
	Kind tablev1.ViewKind
	// Filter keeps the records the view shows; nil keeps every record.
	Filter *filter.Tree
	// Sorts order the records; none is insertion order.
	Sorts []filter.Sort
	// VisibleFieldIDs are the fields shown, in order; none is every field.
	VisibleFieldIDs []string
	// Settings are the settings of the kind.
	Settings Settings
	// StaleFieldIDs are the fields the stored view names that it cannot
	// use now (deleted, or of a type that no longer fits), each once.
	StaleFieldIDs []string
}

// Spec describes a view to create. Fields may be named by id or by name in
// the filter and sorts; they are stored by id.
type Spec struct {
	Name            string
	Kind            tablev1.ViewKind
	Filter          *tablev1.Filter
	Sorts           []*tablev1.Sort
	VisibleFieldIDs []string
	Settings        Settings
}

// Patch says what to change in a view. A part whose Set flag is false is
// kept; one whose flag is true is replaced, by nothing when empty (no
// filter, no sorts, every field visible, no settings).
type Patch struct {
	Name        *string
	SetFilter   bool
	Filter      *tablev1.Filter
	SetSorts    bool
	Sorts       []*tablev1.Sort
	SetVisible  bool
	Visible     []string
	SetSettings bool
	Settings    Settings
}

func nameKey(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

func notFound(tableID, viewID string) error {
	return apperr.NotFoundf("view %q not found in table %s", viewID, tableID).With("view_id", viewID)
}

func kindName(k tablev1.ViewKind) string {
	return strings.ToLower(strings.TrimPrefix(k.String(), "VIEW_KIND_"))
}

func typeName(k tablev1.FieldType) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(k.String(), "FIELD_TYPE_"), "_", " "))
}

// liveTable loads a table in use with its current fields, for a write. On
// PostgreSQL the table's row is locked until the transaction ends, so a
// concurrent schema change waits (SQLite transactions hold the write lock).
func (s *Service) liveTable(ctx context.Context, tx bun.IDB, tableID string) (*schema.Table, error) {
	if s.engine == storage.Postgres {
		if _, err := tx.NewSelect().Table("user_tables").Column("id").Where("id = ?", tableID).For("UPDATE").Exec(ctx); err != nil {
			return nil, apperr.Wrap(err, "lock table")
		}
	}
	t, err := s.tables.GetTable(ctx, tx, tableID)
	if err != nil {
		return nil, err
	}
	if t.DeletedAt != nil {
		return nil, apperr.New(apperr.FailedPrecondition, "TABLE_DELETED",
			"table %s is deleted; restore it with RestoreTable first", tableID).With("table_id", tableID)
	}
	base, err := s.tables.GetBase(ctx, tx, t.BaseID)
	if err != nil {
		return nil, err
	}
	if base.DeletedAt != nil {
		return nil, apperr.New(apperr.FailedPrecondition, "BASE_DELETED",
			"base %s is deleted; restore it with RestoreBase first", base.ID).With("base_id", base.ID)
	}
	return t, nil
}

// load reads a view of a table.
func (s *Service) load(ctx context.Context, db bun.IDB, tableID, viewID string) (*View, error) {
	v := new(View)
	err := db.NewSelect().Model(v).Where("id = ? AND table_id = ?", viewID, tableID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(tableID, viewID)
	}
	if err != nil {
		return nil, apperr.Wrap(err, "load view")
	}
	return v, nil
}

// checked is a view's definition after checking, in its stored form.
type checked struct {
	filter, sorts, visible, settings string
}

// check checks the parts of a view being written against the table's
// current fields, all at once: every problem is reported. Only the parts
// whose flag is set are checked and encoded.
func check(kind tablev1.ViewKind, name *string, p Patch, fields []*schema.Field) (checked, error) {
	var vs apperr.Violations
	reason := ""
	merge := func(err error) {
		if e, ok := apperr.As(err); ok && e.Kind == apperr.InvalidArgument {
			if reason == "" {
				reason = e.Reason
			}
			vs = append(vs, e.Violations...)
		}
	}
	if name != nil {
		switch n := utf8.RuneCountInString(strings.TrimSpace(*name)); {
		case n == 0:
			vs.Add("name", "view.name.required", "must not be blank")
		case n > MaxNameLength:
			vs.Add("name", "view.name.max_len", "must be at most %d characters, not %d", MaxNameLength, n)
		}
	}
	var out checked
	var err error
	if p.SetSettings {
		settings := checkSettings(kind, p.Settings, fields, &vs)
		if out.settings, err = encodeSettings(settings); err != nil {
			return out, apperr.Wrap(err, "encode settings")
		}
	}
	if p.SetVisible {
		visible, err := checkVisible(p.Visible, fields, &vs)
		if err != nil {
			return out, err
		}
		out.visible = visible
	}
	if len(vs) > 0 {
		reason = ReasonInvalidView
	}
	if p.SetFilter {
		tree, err := filter.Validate(p.Filter, fields)
		merge(err)
		if err == nil {
			if out.filter, err = encodeFilter(tree.Proto()); err != nil {
				return out, apperr.Wrap(err, "encode filter")
			}
		}
	}
	if p.SetSorts {
		sorts, err := filter.ValidateSorts(p.Sorts, fields)
		merge(err)
		if err == nil {
			if out.sorts, err = encodeSorts(filter.SortsProto(sorts)); err != nil {
				return out, apperr.Wrap(err, "encode sorts")
			}
		}
	}
	if len(vs) > 0 {
		e := vs.Err(ReasonInvalidView).(*apperr.Error)
		e.Reason = reason
		return out, e
	}
	return out, nil
}

// checkVisible checks visible field ids: current fields, each once, at
// most MaxVisibleFields.
func checkVisible(idList []string, fields []*schema.Field, vs *apperr.Violations) (string, error) {
	if len(idList) > MaxVisibleFields {
		vs.Add("visible_field_ids", "view.visible_field_ids.max_items", "lists %d fields; at most %d", len(idList), MaxVisibleFields)
		return "", nil
	}
	seen := map[string]int{}
	for i, id := range idList {
		path := "visible_field_ids[" + strconv.Itoa(i) + "]"
		if !slices.ContainsFunc(fields, func(f *schema.Field) bool { return f.ID == id }) {
			vs.Add(path, "view.visible_field_ids.exists", "no field %s in the table", strconv.Quote(id))
			continue
		}
		if j, dup := seen[id]; dup {
			vs.Add(path, "view.visible_field_ids.unique", "lists %s again (visible_field_ids[%d] does)", id, j)
			continue
		}
		seen[id] = i
	}
	enc, err := encodeIDs(idList)
	return enc, apperr.Wrap(err, "encode visible fields")
}

// nameFree refuses a name another view of the table has, ignoring case.
func (s *Service) nameFree(ctx context.Context, db bun.IDB, tableID, name, exceptID string) error {
	q := db.NewSelect().Table("views").Where("table_id = ? AND name_key = ?", tableID, nameKey(name))
	if exceptID != "" {
		q = q.Where("id <> ?", exceptID)
	}
	n, err := q.Count(ctx)
	if err != nil {
		return apperr.Wrap(err, "check view name")
	}
	if n > 0 {
		return nameTaken(name)
	}
	return nil
}

func nameTaken(name string) error {
	e := apperr.New(apperr.AlreadyExists, "NAME_TAKEN", "the table has a view named %q already (view names are unique ignoring case)", strings.TrimSpace(name))
	e.Violations = []apperr.Violation{{Path: "name", Rule: "name.unique", Message: "is already used by another view of the table"}}
	return e
}

// CreateView adds a view to a table, after its other views.
func (s *Service) CreateView(ctx context.Context, tx bun.IDB, tableID, userID string, spec Spec) (*Resolved, error) {
	t, err := s.liveTable(ctx, tx, tableID)
	if err != nil {
		return nil, err
	}
	if _, known := tablev1.ViewKind_name[int32(spec.Kind)]; !known || spec.Kind == tablev1.ViewKind_VIEW_KIND_UNSPECIFIED {
		return nil, apperr.Invalid("kind", "view.kind", "must be a view kind: VIEW_KIND_GRID, VIEW_KIND_KANBAN, VIEW_KIND_CALENDAR or VIEW_KIND_GALLERY")
	}
	c, err := check(spec.Kind, &spec.Name, Patch{
		SetFilter: true, Filter: spec.Filter, SetSorts: true, Sorts: spec.Sorts,
		SetVisible: true, Visible: spec.VisibleFieldIDs, SetSettings: true, Settings: spec.Settings,
	}, t.Fields)
	if err != nil {
		return nil, err
	}
	if err := s.nameFree(ctx, tx, tableID, spec.Name, ""); err != nil {
		return nil, err
	}
	var last struct {
		Count    int `bun:"n"`
		Position int `bun:"p"`
	}
	if err := tx.NewSelect().Table("views").ColumnExpr("COUNT(*) AS n, COALESCE(MAX(position), -1) AS p").
		Where("table_id = ?", tableID).Scan(ctx, &last); err != nil {
		return nil, apperr.Wrap(err, "count views")
	}
	if last.Count >= MaxViews {
		return nil, apperr.New(apperr.ResourceExhausted, "VIEW_LIMIT", "a table has at most %d views", MaxViews).
			With("limit", strconv.Itoa(MaxViews))
	}
	now := s.now()
	v := &View{
		ID: ids.New(ids.View), TableID: tableID, Name: strings.TrimSpace(spec.Name), NameKey: nameKey(spec.Name),
		Kind: spec.Kind.String(), Filter: c.filter, Sorts: c.sorts, VisibleFieldIDs: c.visible, Settings: c.settings,
		Position: last.Position + 1, CreatedBy: userID, CreatedAt: now, UpdatedAt: now,
	}
	if _, err := tx.NewInsert().Model(v).Exec(ctx); err != nil {
		if storage.IsUniqueViolation(err) {
			return nil, nameTaken(spec.Name)
		}
		return nil, apperr.Wrap(err, "store view")
	}
	return resolve(v, t.Fields)
}

// GetView returns a view of a table, resolved against its current fields.
// The table may be deleted.
func (s *Service) GetView(ctx context.Context, db bun.IDB, tableID, viewID string) (*Resolved, error) {
	t, err := s.tables.GetTable(ctx, db, tableID)
	if err != nil {
		return nil, err
	}
	v, err := s.load(ctx, db, tableID, viewID)
	if err != nil {
		return nil, err
	}
	return resolve(v, t.Fields)
}

// Page is a page of views.
type Page struct {
	Views []*Resolved
	Next  string
}

type cursor struct {
	Position int    `json:"p"`
	ID       string `json:"i"`
}

// ListViews lists a table's views in display order, resolved against its
// current fields.
func (s *Service) ListViews(ctx context.Context, db bun.IDB, tableID string, size int, pageToken string) (*Page, error) {
	t, err := s.tables.GetTable(ctx, db, tableID)
	if err != nil {
		return nil, err
	}
	size = pagetoken.Size(size)
	scope := "views:" + tableID
	q := db.NewSelect().Model((*View)(nil)).Where("table_id = ?", tableID)
	if pageToken != "" {
		var c cursor
		if err := s.pages.Decode(pageToken, scope, &c); err != nil {
			return nil, err
		}
		q = q.Where("(position > ? OR (position = ? AND id > ?))", c.Position, c.Position, c.ID)
	}
	var rows []*View
	if err := q.Order("position ASC", "id ASC").Limit(int64(size+1)).Scan(ctx, &rows); err != nil {
		return nil, apperr.Wrap(err, "list views")
	}
	rows, next, err := pagetoken.Trim(s.pages, scope, rows, size, func(last *View) any {
		return cursor{Position: last.Position, ID: last.ID}
	})
	if err != nil {
		return nil, err
	}
	page := &Page{Next: next}
	for _, v := range rows {
		r, err := resolve(v, t.Fields)
		if err != nil {
			return nil, err
		}
		page.Views = append(page.Views, r)
	}
	return page, nil
}

// UpdateView changes a view: its name, and the parts the patch sets,
// checked against the table's current fields. Parts left out are kept as
// stored.
func (s *Service) UpdateView(ctx context.Context, tx bun.IDB, tableID, viewID string, p Patch) (*Resolved, error) {
	t, err := s.liveTable(ctx, tx, tableID)
	if err != nil {
		return nil, err
	}
	v, err := s.load(ctx, tx, tableID, viewID)
	if err != nil {
		return nil, err
	}
	kind := tablev1.ViewKind(tablev1.ViewKind_value[v.Kind])
	c, err := check(kind, p.Name, p, t.Fields)
	if err != nil {
		return nil, err
	}
	if p.Name != nil {
		if err := s.nameFree(ctx, tx, tableID, *p.Name, v.ID); err != nil {
			return nil, err
		}
		v.Name, v.NameKey = strings.TrimSpace(*p.Name), nameKey(*p.Name)
	}
	if p.SetFilter {
		v.Filter = c.filter
	}
	if p.SetSorts {
		v.Sorts = c.sorts
	}
	if p.SetVisible {
		v.VisibleFieldIDs = c.visible
	}
	if p.SetSettings {
		v.Settings = c.settings
	}
	v.UpdatedAt = s.now()
	if _, err := tx.NewUpdate().Model(v).WherePK().Exec(ctx); err != nil {
		if storage.IsUniqueViolation(err) {
			return nil, nameTaken(v.Name)
		}
		return nil, apperr.Wrap(err, "update view")
	}
	return resolve(v, t.Fields)
}

// DeleteView removes a view for good and returns it as it was.
func (s *Service) DeleteView(ctx context.Context, tx bun.IDB, tableID, viewID string) (*Resolved, error) {
	t, err := s.liveTable(ctx, tx, tableID)
	if err != nil {
		return nil, err
	}
	v, err := s.load(ctx, tx, tableID, viewID)
	if err != nil {
		return nil, err
	}
	if _, err := tx.NewDelete().Model(v).WherePK().Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "delete view")
	}
	return resolve(v, t.Fields)
}

// resolve reads a stored view against the table's current fields.
func resolve(v *View, fields []*schema.Field) (*Resolved, error) {
	r := &Resolved{View: v, Kind: tablev1.ViewKind(tablev1.ViewKind_value[v.Kind])}
	stale := func(id string) {
		if !slices.Contains(r.StaleFieldIDs, id) {
			r.StaleFieldIDs = append(r.StaleFieldIDs, id)
		}
	}
	f, err := decodeFilter(v.Filter)
	if err != nil {
		return nil, apperr.Wrap(err, "read the filter of view "+v.ID)
	}
	tree, staleFilter := filter.Prune(f, fields)
	r.Filter = tree
	sorts, err := decodeSorts(v.Sorts)
	if err != nil {
		return nil, apperr.Wrap(err, "read the sorts of view "+v.ID)
	}
	kept, staleSorts := filter.PruneSorts(sorts, fields)
	r.Sorts = kept
	for _, id := range append(staleFilter, staleSorts...) {
		stale(id)
	}
	visible, err := decodeIDs(v.VisibleFieldIDs)
	if err != nil {
		return nil, apperr.Wrap(err, "read the visible fields of view "+v.ID)
	}
	for _, id := range visible {
		if slices.ContainsFunc(fields, func(f *schema.Field) bool { return f.ID == id }) {
			r.VisibleFieldIDs = append(r.VisibleFieldIDs, id)
		} else {
			stale(id)
		}
	}
	settings, err := decodeSettings(v.Settings)
	if err != nil {
		return nil, apperr.Wrap(err, "read the settings of view "+v.ID)
	}
	r.Settings = resolveSettings(r.Kind, settings, fields, stale)
	return r, nil
}
