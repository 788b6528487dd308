package view_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/filter"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/pagetoken"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
	"github.com/pyairtable/pyairtable/server/user"
	"github.com/pyairtable/pyairtable/server/view"
	"github.com/pyairtable/pyairtable/server/workspace"
)

// fixture is a database with a table whose fields fit every view kind.
type fixture struct {
	db     *storage.DB
	schema *schema.Service
	views  *view.Service
	userID string
	table  *schema.Table
	fields map[string]*schema.Field
}

func start(t *testing.T, db *storage.DB) *fixture {
	t.Helper()
	pages := pagetoken.New([]byte("test key"))
	f := &fixture{db: db, schema: schema.NewService(db, pages, 7*24*time.Hour), fields: map[string]*schema.Field{}}
	f.views = view.NewService(db, pages, f.schema)
	choices := func(names ...string) *tablev1.FieldOptions {
		var cs []*tablev1.Choice
		for _, n := range names {
			cs = append(cs, &tablev1.Choice{Name: n})
		}
		return &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Select{Select: &tablev1.SelectOptions{Choices: cs}}}
	}
	f.tx(t, func(ctx context.Context, tx bun.Tx) error {
		u, err := user.Create(ctx, tx, "ada@example.com", "Ada")
		if err != nil {
			return err
		}
		f.userID = u.ID
		ws, err := workspace.NewService(db, pages).Create(ctx, tx, workspace.Owner{UserID: u.ID, Email: "ada@example.com"}, "W", "")
		if err != nil {
			return err
		}
		base, err := f.schema.CreateBase(ctx, tx, ws.ID, u.ID, "CRM", "")
		if err != nil {
			return err
		}
		f.table, err = f.schema.CreateTable(ctx, tx, base.ID, u.ID, "Tasks", "", []schema.FieldSpec{
			{Name: "Name", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT},
			{Name: "Status", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, Options: choices("Todo", "Doing", "Done")},
			{Name: "Tags", Type: tablev1.FieldType_FIELD_TYPE_MULTIPLE_SELECTS, Options: choices("Red", "Blue")},
			{Name: "Amount", Type: tablev1.FieldType_FIELD_TYPE_NUMBER},
			{Name: "Due", Type: tablev1.FieldType_FIELD_TYPE_DATE},
			{Name: "Meeting", Type: tablev1.FieldType_FIELD_TYPE_DATE_TIME},
			{Name: "Photos", Type: tablev1.FieldType_FIELD_TYPE_ATTACHMENT},
		})
		return err
	})
	for _, fld := range f.table.Fields {
		f.fields[fld.Name] = fld
	}
	return f
}

func (f *fixture) tx(t *testing.T, fn func(ctx context.Context, tx bun.Tx) error) {
	t.Helper()
	if err := f.db.InTx(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) id(name string) string { return f.fields[name].ID }

func (f *fixture) choice(field, name string) string {
	_, opts := f.fields[field].TypeOptions()
	for _, c := range opts.GetSelect().GetChoices() {
		if c.GetName() == name {
			return c.GetId()
		}
	}
	return ""
}

func (f *fixture) create(spec view.Spec) (*view.Resolved, error) {
	var r *view.Resolved
	err := f.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		r, err = f.views.CreateView(ctx, tx, f.table.ID, f.userID, spec)
		return err
	})
	return r, err
}

func (f *fixture) mustCreate(t *testing.T, spec view.Spec) *view.Resolved {
	t.Helper()
	r, err := f.create(spec)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fixture) update(viewID string, p view.Patch) (*view.Resolved, error) {
	var r *view.Resolved
	err := f.db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		r, err = f.views.UpdateView(ctx, tx, f.table.ID, viewID, p)
		return err
	})
	return r, err
}

func (f *fixture) get(t *testing.T, viewID string) *view.Resolved {
	t.Helper()
	r, err := f.views.GetView(context.Background(), f.db, f.table.ID, viewID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// count returns how many views the table has in storage.
func (f *fixture) count(t *testing.T) int {
	t.Helper()
	n, err := f.db.NewSelect().Table("views").Where("table_id = ?", f.table.ID).Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func cond(field string, op tablev1.Operator, v any) *tablev1.Filter {
	c := &tablev1.Condition{Field: field, Operator: op}
	if v != nil {
		val, err := structpb.NewValue(v)
		if err != nil {
			panic(err)
		}
		c.Operand = &tablev1.Condition_Value{Value: val}
	}
	return &tablev1.Filter{Node: &tablev1.Filter_Condition{Condition: c}}
}

func and(fs ...*tablev1.Filter) *tablev1.Filter {
	return &tablev1.Filter{Node: &tablev1.Filter_And{And: &tablev1.FilterGroup{Filters: fs}}}
}

// wantInvalid checks an InvalidArgument error with one violation at path.
func wantInvalid(t *testing.T, err error, reason, path string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.InvalidArgument || e.Reason != reason {
		t.Fatalf("err = %v; want InvalidArgument with reason %s", err, reason)
	}
	var paths []string
	for _, v := range e.Violations {
		paths = append(paths, v.Path)
	}
	if !slices.Equal(paths, []string{path}) {
		t.Fatalf("violations at %v; want one at %s (%v)", paths, path, err)
	}
}

// TestViewsStoreFieldIDs: a view given fields and choices by name stores
// and returns them by id, and keeps working when the fields are renamed.
func TestViewsStoreFieldIDs(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := start(t, db)
		r := f.mustCreate(t, view.Spec{
			Name: " Open work ", Kind: tablev1.ViewKind_VIEW_KIND_GRID,
			Filter: and(cond("status", tablev1.Operator_OPERATOR_IS_ANY_OF, []any{"todo", "Doing"}),
				cond("Amount", tablev1.Operator_OPERATOR_GREATER_THAN, 3)),
			Sorts:           []*tablev1.Sort{{Field: "DUE", Direction: tablev1.SortDirection_SORT_DIRECTION_DESCENDING}, {Field: f.id("Name")}},
			VisibleFieldIDs: []string{f.id("Status"), f.id("Name")},
		})
		wantFilter := and(cond(f.id("Status"), tablev1.Operator_OPERATOR_IS_ANY_OF, []any{f.choice("Status", "Todo"), f.choice("Status", "Doing")}),
			cond(f.id("Amount"), tablev1.Operator_OPERATOR_GREATER_THAN, 3))
		wantSorts := []*tablev1.Sort{
			{Field: f.id("Due"), Direction: tablev1.SortDirection_SORT_DIRECTION_DESCENDING},
			{Field: f.id("Name"), Direction: tablev1.SortDirection_SORT_DIRECTION_ASCENDING},
		}
		check := func(r *view.Resolved) {
			t.Helper()
			if r.Name != "Open work" || r.Kind != tablev1.ViewKind_VIEW_KIND_GRID || !ids.Valid(ids.View, r.ID) {
				t.Fatalf("view = %+v", r.View)
			}
			if !proto.Equal(r.Filter.Proto(), wantFilter) {
				t.Fatalf("filter = %v; want %v", r.Filter.Proto(), wantFilter)
			}
			got := filter.SortsProto(r.Sorts)
			if len(got) != 2 || !proto.Equal(got[0], wantSorts[0]) || !proto.Equal(got[1], wantSorts[1]) {
				t.Fatalf("sorts = %v; want %v", got, wantSorts)
			}
			if !slices.Equal(r.VisibleFieldIDs, []string{f.id("Status"), f.id("Name")}) || len(r.StaleFieldIDs) != 0 {
				t.Fatalf("visible %v, stale %v", r.VisibleFieldIDs, r.StaleFieldIDs)
			}
		}
		check(r)
		check(f.get(t, r.ID))
		// The stored filter names no field by name.
		if strings.Contains(r.View.Filter, "status") || strings.Contains(r.View.Filter, "Doing") {
			t.Fatalf("stored filter names fields or choices by name: %s", r.View.Filter)
		}

		// Renaming the fields and a choice changes nothing in the view.
		f.tx(t, func(ctx context.Context, tx bun.Tx) error {
			for _, name := range []string{"Status", "Amount", "Due"} {
				renamed := name + " (old)"
				if _, err := f.schema.UpdateField(ctx, tx, f.table.ID, f.id(name), "", f.userID, schema.FieldPatch{Name: &renamed}); err != nil {
					return err
				}
			}
			return nil
		})
		check(f.get(t, r.ID))
	})
}

// TestSettingsFollowTheKind: each kind takes its own settings, naming
// fields of the right types.
func TestSettingsFollowTheKind(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := start(t, db)
		kanban := func(field string) view.Settings {
			return view.Settings{Kanban: &tablev1.KanbanSettings{GroupFieldId: field}}
		}
		calendar := func(start, end string) view.Settings {
			return view.Settings{Calendar: &tablev1.CalendarSettings{DateFieldId: start, EndDateFieldId: end}}
		}
		gallery := func(cover string) view.Settings {
			return view.Settings{Gallery: &tablev1.GallerySettings{CoverFieldId: cover}}
		}
		refused := []struct {
			name string
			kind tablev1.ViewKind
			set  view.Settings
			path string
		}{
			{"kanban without settings", tablev1.ViewKind_VIEW_KIND_KANBAN, view.Settings{}, "kanban"},
			{"kanban by a number field", tablev1.ViewKind_VIEW_KIND_KANBAN, kanban(f.id("Amount")), "kanban.group_field_id"},
			{"kanban by multiple selects", tablev1.ViewKind_VIEW_KIND_KANBAN, kanban(f.id("Tags")), "kanban.group_field_id"},
			{"kanban by an unknown field", tablev1.ViewKind_VIEW_KIND_KANBAN, kanban(ids.New(ids.Field)), "kanban.group_field_id"},
			{"kanban without a field", tablev1.ViewKind_VIEW_KIND_KANBAN, kanban(""), "kanban.group_field_id"},
			{"kanban with calendar settings", tablev1.ViewKind_VIEW_KIND_KANBAN, view.Settings{Kanban: kanban(f.id("Status")).Kanban, Calendar: calendar(f.id("Due"), "").Calendar}, "calendar"},
			{"calendar without settings", tablev1.ViewKind_VIEW_KIND_CALENDAR, view.Settings{}, "calendar"},
			{"calendar on a text field", tablev1.ViewKind_VIEW_KIND_CALENDAR, calendar(f.id("Name"), ""), "calendar.date_field_id"},
			{"calendar ending on a number", tablev1.ViewKind_VIEW_KIND_CALENDAR, calendar(f.id("Due"), f.id("Amount")), "calendar.end_date_field_id"},
			{"calendar ending where it starts", tablev1.ViewKind_VIEW_KIND_CALENDAR, calendar(f.id("Due"), f.id("Due")), "calendar.end_date_field_id"},
			{"gallery covered by text", tablev1.ViewKind_VIEW_KIND_GALLERY, gallery(f.id("Name")), "gallery.cover_field_id"},
			{"grid with settings", tablev1.ViewKind_VIEW_KIND_GRID, kanban(f.id("Status")), "kanban"},
		}
		for _, c := range refused {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.create(view.Spec{Name: c.name, Kind: c.kind, Settings: c.set})
				wantInvalid(t, err, view.ReasonInvalidView, c.path)
			})
		}
		if n := f.count(t); n != 0 {
			t.Fatalf("refused views left %d rows", n)
		}
		_, err := f.create(view.Spec{Name: "No kind"})
		wantInvalid(t, err, "INVALID_ARGUMENT", "kind")

		accepted := []struct {
			kind tablev1.ViewKind
			set  view.Settings
		}{
			{tablev1.ViewKind_VIEW_KIND_KANBAN, kanban(f.id("Status"))},
			{tablev1.ViewKind_VIEW_KIND_CALENDAR, calendar(f.id("Due"), "")},
			{tablev1.ViewKind_VIEW_KIND_CALENDAR, calendar(f.id("Due"), f.id("Meeting"))},
			{tablev1.ViewKind_VIEW_KIND_GALLERY, gallery(f.id("Photos"))},
			{tablev1.ViewKind_VIEW_KIND_GALLERY, view.Settings{}},
			{tablev1.ViewKind_VIEW_KIND_GRID, view.Settings{}},
		}
		for i, c := range accepted {
			r := f.mustCreate(t, view.Spec{Name: "View " + string(rune('A'+i)), Kind: c.kind, Settings: c.set})
			got := f.get(t, r.ID)
			if got.Kind != c.kind || !proto.Equal(got.Settings.Kanban, c.set.Kanban) ||
				!proto.Equal(got.Settings.Calendar, c.set.Calendar) || !proto.Equal(got.Settings.Gallery, c.set.Gallery) {
				t.Fatalf("view %d = %v %+v; want %v %+v", i, got.Kind, got.Settings, c.kind, c.set)
			}
		}

		// A kanban view keeps needing its settings.
		k := f.mustCreate(t, view.Spec{Name: "Board", Kind: tablev1.ViewKind_VIEW_KIND_KANBAN, Settings: kanban(f.id("Status"))})
		_, err = f.update(k.ID, view.Patch{SetSettings: true})
		wantInvalid(t, err, view.ReasonInvalidView, "kanban")
		_, err = f.update(k.ID, view.Patch{SetSettings: true, Settings: gallery("")})
		e, _ := apperr.As(err)
		if e == nil || len(e.Violations) != 2 {
			t.Fatalf("kanban given gallery settings: %v; want two violations (gallery given, kanban missing)", err)
		}
	})
}

// TestViewNamesAreUniqueIgnoringCase, per table.
func TestViewNamesAreUniqueIgnoringCase(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := start(t, db)
		grid := tablev1.ViewKind_VIEW_KIND_GRID
		all := f.mustCreate(t, view.Spec{Name: "All records", Kind: grid})
		_, err := f.create(view.Spec{Name: " ALL RECORDS", Kind: grid})
		if e, ok := apperr.As(err); !ok || e.Kind != apperr.AlreadyExists || e.Reason != "NAME_TAKEN" || e.Violations[0].Path != "name" {
			t.Fatalf("duplicate name: %v; want AlreadyExists NAME_TAKEN at name", err)
		}
		other := f.mustCreate(t, view.Spec{Name: "Mine", Kind: grid})
		name := "all Records"
		_, err = f.update(other.ID, view.Patch{Name: &name})
		if !apperr.IsKind(err, apperr.AlreadyExists) {
			t.Fatalf("rename onto a taken name: %v; want AlreadyExists", err)
		}
		// A view may change the case of its own name.
		r, err := f.update(all.ID, view.Patch{Name: &name})
		if err != nil || r.Name != "all Records" {
			t.Fatalf("case change: %v, %v", r, err)
		}
		blank := "   "
		_, err = f.update(all.ID, view.Patch{Name: &blank})
		wantInvalid(t, err, view.ReasonInvalidView, "name")
		if f.get(t, all.ID).Name != "all Records" || f.get(t, other.ID).Name != "Mine" {
			t.Fatal("refused renames changed names")
		}
	})
}

// TestDeletedFieldsLeaveViewsWorking: deleting a field a view uses keeps
// the view readable without it, reporting the field as stale.
func TestDeletedFieldsLeaveViewsWorking(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := start(t, db)
		r := f.mustCreate(t, view.Spec{
			Name: "Board", Kind: tablev1.ViewKind_VIEW_KIND_KANBAN,
			Settings: view.Settings{Kanban: &tablev1.KanbanSettings{GroupFieldId: f.id("Status")}},
			Filter: and(cond("Amount", tablev1.Operator_OPERATOR_GREATER_THAN, 1),
				cond("Name", tablev1.Operator_OPERATOR_IS_NOT_EMPTY, nil)),
			Sorts:           []*tablev1.Sort{{Field: "Amount"}, {Field: "Name"}},
			VisibleFieldIDs: []string{f.id("Name"), f.id("Amount"), f.id("Status")},
		})
		f.tx(t, func(ctx context.Context, tx bun.Tx) error {
			for _, name := range []string{"Amount", "Status"} {
				if _, err := f.schema.DeleteField(ctx, tx, f.table.ID, f.id(name), ""); err != nil {
					return err
				}
			}
			return nil
		})
		got := f.get(t, r.ID)
		wantFilter := and(cond(f.id("Name"), tablev1.Operator_OPERATOR_IS_NOT_EMPTY, nil))
		if !proto.Equal(got.Filter.Proto(), wantFilter) {
			t.Fatalf("filter after the delete = %v; want %v", got.Filter.Proto(), wantFilter)
		}
		if len(got.Sorts) != 1 || got.Sorts[0].Field.ID != f.id("Name") {
			t.Fatalf("sorts after the delete = %v", got.Sorts)
		}
		if !slices.Equal(got.VisibleFieldIDs, []string{f.id("Name")}) {
			t.Fatalf("visible fields after the delete = %v", got.VisibleFieldIDs)
		}
		if got.Settings.Kanban == nil || got.Settings.Kanban.GetGroupFieldId() != "" {
			t.Fatalf("kanban settings after the delete = %v; want an empty group field", got.Settings.Kanban)
		}
		if want := []string{f.id("Amount"), f.id("Status")}; !slices.Equal(got.StaleFieldIDs, want) {
			t.Fatalf("stale = %v; want %v", got.StaleFieldIDs, want)
		}
		// Listing works too, and the stored definition is untouched.
		page, err := f.views.ListViews(context.Background(), f.db, f.table.ID, 0, "")
		if err != nil || len(page.Views) != 1 || len(page.Views[0].StaleFieldIDs) != 2 {
			t.Fatalf("list: %v, %v", page, err)
		}
		if !strings.Contains(got.View.Filter, f.id("Amount")) {
			t.Fatalf("the stored filter lost the deleted field: %s", got.View.Filter)
		}
		// New writes are checked against the current fields.
		_, err = f.update(r.ID, view.Patch{SetSorts: true, Sorts: []*tablev1.Sort{{Field: f.id("Amount")}}})
		wantInvalid(t, err, filter.ReasonInvalidSort, "sorts[0].field")
		_, err = f.update(r.ID, view.Patch{SetVisible: true, Visible: []string{f.id("Name"), f.id("Status")}})
		wantInvalid(t, err, view.ReasonInvalidView, "visible_field_ids[1]")
		// Choosing a new group field mends the view.
		f.tx(t, func(ctx context.Context, tx bun.Tx) error {
			_, _, err := f.schema.CreateField(ctx, tx, f.table.ID, "", schema.FieldSpec{Name: "Stage", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT})
			return err
		})
		stage := ""
		tbl, err := f.schema.GetTable(context.Background(), f.db, f.table.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, fld := range tbl.Fields {
			if fld.Name == "Stage" {
				stage = fld.ID
			}
		}
		mended, err := f.update(r.ID, view.Patch{SetSettings: true, Settings: view.Settings{Kanban: &tablev1.KanbanSettings{GroupFieldId: stage}},
			SetFilter: true, Filter: nil, SetSorts: true, SetVisible: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(mended.StaleFieldIDs) != 0 || mended.Filter != nil || len(mended.Sorts) != 0 || len(mended.VisibleFieldIDs) != 0 {
			t.Fatalf("mended view = %+v", mended)
		}
	})
}

// TestUpdateKeepsWhatItLeavesOut and refuses bad input without writing.
func TestUpdateKeepsWhatItLeavesOut(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := start(t, db)
		r := f.mustCreate(t, view.Spec{
			Name: "Grid", Kind: tablev1.ViewKind_VIEW_KIND_GRID,
			Filter: cond("Name", tablev1.Operator_OPERATOR_CONTAINS, "a"), Sorts: []*tablev1.Sort{{Field: "Name"}},
			VisibleFieldIDs: []string{f.id("Name")},
		})
		before := *f.get(t, r.ID).View
		// A bad filter is refused with its path; nothing changes.
		name := "Renamed"
		_, err := f.update(r.ID, view.Patch{Name: &name, SetFilter: true,
			Filter: and(cond("Name", tablev1.Operator_OPERATOR_IS_EMPTY, nil), cond("Amount", tablev1.Operator_OPERATOR_CONTAINS, "x"))})
		wantInvalid(t, err, filter.ReasonInvalidFilter, "filter.and.filters[1].condition.operator")
		if after := *f.get(t, r.ID).View; after != before {
			t.Fatalf("a refused update changed the view:\n%+v\n%+v", before, after)
		}
		// A rename keeps the rest.
		got, err := f.update(r.ID, view.Patch{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != name || got.View.Filter != before.Filter || got.View.Sorts != before.Sorts || got.View.VisibleFieldIDs != before.VisibleFieldIDs {
			t.Fatalf("rename changed more: %+v", got.View)
		}
		if !got.UpdatedAt.After(before.UpdatedAt) && !got.UpdatedAt.Equal(before.UpdatedAt) {
			t.Fatal("update time went back")
		}
		// Parts set to nothing are cleared.
		got, err = f.update(r.ID, view.Patch{SetFilter: true, SetSorts: true, SetVisible: true})
		if err != nil || got.Filter != nil || len(got.Sorts) != 0 || len(got.VisibleFieldIDs) != 0 {
			t.Fatalf("cleared view: %+v, %v", got, err)
		}
		// Unknown views, and views of another table, are not found.
		_, err = f.update(ids.New(ids.View), view.Patch{Name: &name})
		if !apperr.IsKind(err, apperr.NotFound) {
			t.Fatalf("unknown view: %v", err)
		}
		_, err = f.views.GetView(context.Background(), f.db, ids.New(ids.Table), r.ID)
		if !apperr.IsKind(err, apperr.NotFound) {
			t.Fatalf("view under another table id: %v", err)
		}
	})
}

// TestListAndDeleteViews pages through a table's views in creation order.
func TestListAndDeleteViews(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := start(t, db)
		var made []string
		for _, name := range []string{"One", "Two", "Three"} {
			made = append(made, f.mustCreate(t, view.Spec{Name: name, Kind: tablev1.ViewKind_VIEW_KIND_GRID}).ID)
		}
		ctx := context.Background()
		var listed []string
		token := ""
		for pages := 0; ; pages++ {
			page, err := f.views.ListViews(ctx, f.db, f.table.ID, 2, token)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range page.Views {
				listed = append(listed, v.ID)
			}
			if token = page.Next; token == "" {
				if pages != 1 {
					t.Fatalf("%d pages; want 2", pages+1)
				}
				break
			}
		}
		if !slices.Equal(listed, made) {
			t.Fatalf("listed %v; want %v", listed, made)
		}
		if _, err := f.views.ListViews(ctx, f.db, ids.New(ids.Table), 2, ""); !apperr.IsKind(err, apperr.NotFound) {
			t.Fatalf("views of an unknown table: %v", err)
		}
		var deleted *view.Resolved
		f.tx(t, func(ctx context.Context, tx bun.Tx) error {
			var err error
			deleted, err = f.views.DeleteView(ctx, tx, f.table.ID, made[1])
			return err
		})
		if deleted.Name != "Two" || f.count(t) != 2 {
			t.Fatalf("deleted %v; %d views left", deleted.Name, f.count(t))
		}
		// A new view goes after the others.
		last := f.mustCreate(t, view.Spec{Name: "Two", Kind: tablev1.ViewKind_VIEW_KIND_GRID})
		page, err := f.views.ListViews(ctx, f.db, f.table.ID, 0, "")
		if err != nil || len(page.Views) != 3 || page.Views[2].ID != last.ID {
			t.Fatalf("after re-creating: %v, %v", page, err)
		}
	})
}

// TestViewWritesNeedALiveTable, and the purge of a table takes its views.
func TestViewWritesNeedALiveTable(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := start(t, db)
		r := f.mustCreate(t, view.Spec{Name: "Grid", Kind: tablev1.ViewKind_VIEW_KIND_GRID})
		f.tx(t, func(ctx context.Context, tx bun.Tx) error {
			_, err := f.schema.DeleteTable(ctx, tx, f.table.ID, "")
			return err
		})
		_, err := f.create(view.Spec{Name: "Another", Kind: tablev1.ViewKind_VIEW_KIND_GRID})
		if e, ok := apperr.As(err); !ok || e.Reason != "TABLE_DELETED" {
			t.Fatalf("create on a deleted table: %v; want TABLE_DELETED", err)
		}
		// Reads still work on a deleted table.
		f.get(t, r.ID)
		if _, _, err := f.schema.Purge(context.Background(), time.Now().Add(8*24*time.Hour)); err != nil {
			t.Fatalf("purge a table with views: %v", err)
		}
		if n := f.count(t); n != 0 {
			t.Fatalf("%d views outlived their table", n)
		}
	})
}
