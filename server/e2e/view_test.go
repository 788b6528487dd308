package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/structpb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/servertest"
)

// vwFixture is a server with a table whose fields fit every view kind.
type vwFixture struct {
	env    *servertest.Env
	c      servertest.Clients
	token  string
	table  *tablev1.Table
	fields map[string]*tablev1.Field
}

func vwStart(t *testing.T, b servertest.Backend) *vwFixture {
	t.Helper()
	env := servertest.Start(t, b)
	ada := env.NewUser(t, "ada@example.com")
	c := env.Clients(servertest.ConnectProto, ada.Token)
	ctx := context.Background()
	w, err := c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "W"}))
	servertest.NoErr(t, err)
	bs, err := c.Bases.CreateBase(ctx, connect.NewRequest(&tablev1.CreateBaseRequest{WorkspaceId: w.Msg.GetWorkspace().GetId(), Name: "Ops"}))
	servertest.NoErr(t, err)
	statuses := &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Select{Select: &tablev1.SelectOptions{Choices: []*tablev1.Choice{
		{Name: "Todo"}, {Name: "Doing"}, {Name: "Done"},
	}}}}
	tbl, err := c.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{
		BaseId: bs.Msg.GetBase().GetId(), Name: "Tasks",
		Fields: []*tablev1.FieldSpec{
			{Name: "Name", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT},
			{Name: "Status", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT, Options: statuses},
			{Name: "Amount", Type: tablev1.FieldType_FIELD_TYPE_NUMBER},
			{Name: "Due", Type: tablev1.FieldType_FIELD_TYPE_DATE},
			{Name: "Photos", Type: tablev1.FieldType_FIELD_TYPE_ATTACHMENT},
		},
	}))
	servertest.NoErr(t, err)
	f := &vwFixture{env: env, c: c, token: ada.Token, table: tbl.Msg.GetTable(), fields: map[string]*tablev1.Field{}}
	for _, fld := range f.table.GetFields() {
		f.fields[fld.GetName()] = fld
	}
	return f
}

func (f *vwFixture) id(name string) string { return f.fields[name].GetId() }

func (f *vwFixture) choice(field, name string) string {
	for _, c := range f.fields[field].GetOptions().GetSelect().GetChoices() {
		if c.GetName() == name {
			return c.GetId()
		}
	}
	return ""
}

func (f *vwFixture) create(req *tablev1.CreateViewRequest) (*tablev1.View, error) {
	if req.TableId == "" {
		req.TableId = f.table.GetId()
	}
	resp, err := f.c.Views.CreateView(context.Background(), connect.NewRequest(req))
	if err != nil {
		return nil, err
	}
	return resp.Msg.GetView(), nil
}

func (f *vwFixture) get(t *testing.T, viewID string) *tablev1.View {
	t.Helper()
	resp, err := f.c.Views.GetView(context.Background(), connect.NewRequest(&tablev1.GetViewRequest{TableId: f.table.GetId(), ViewId: viewID}))
	servertest.NoErr(t, err)
	return resp.Msg.GetView()
}

func vwCond(field string, op tablev1.Operator, v any) *tablev1.Filter {
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

func vwAnd(fs ...*tablev1.Filter) *tablev1.Filter {
	return &tablev1.Filter{Node: &tablev1.Filter_And{And: &tablev1.FilterGroup{Filters: fs}}}
}

// vwViolationPaths returns the paths of an error's violations with their
// indexes, such as "filter.and.filters[1].condition.operator".
func vwViolationPaths(t *testing.T, err error) []string {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatalf("not a Connect error: %v", err)
	}
	var paths []string
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if derr != nil {
			continue
		}
		vs, ok := v.(*validate.Violations)
		if !ok {
			continue
		}
		for _, viol := range vs.GetViolations() {
			var b strings.Builder
			for i, el := range viol.GetField().GetElements() {
				if i > 0 {
					b.WriteByte('.')
				}
				b.WriteString(el.GetFieldName())
				if idx, ok := el.GetSubscript().(*validate.FieldPathElement_Index); ok {
					b.WriteString("[" + strconv.FormatUint(idx.Index, 10) + "]")
				}
			}
			paths = append(paths, b.String())
		}
	}
	return paths
}

// vwRefused checks a refused call: its code, reason and violation paths.
func vwRefused(t *testing.T, err error, code connect.Code, reason string, paths ...string) {
	t.Helper()
	if reason == "" {
		servertest.WantCode(t, err, code)
	} else {
		servertest.WantCode(t, err, code, reason)
	}
	if got := vwViolationPaths(t, err); len(paths) > 0 && !slices.Equal(got, paths) {
		t.Fatalf("violations at %q; want %q (%v)", got, paths, err)
	}
}

// TestViewsLifecycle creates, reads, lists, changes and deletes views of
// every kind over the API.
func TestViewsLifecycle(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f := vwStart(t, b)
			ctx := context.Background()

			grid, err := f.create(&tablev1.CreateViewRequest{
				Name: "Open work", Kind: tablev1.ViewKind_VIEW_KIND_GRID,
				Filter: vwAnd(vwCond("status", tablev1.Operator_OPERATOR_IS_ANY_OF, []any{"todo", "Doing"}),
					vwCond("Amount", tablev1.Operator_OPERATOR_GREATER_THAN_OR_EQUAL, 10)),
				Sorts:           []*tablev1.Sort{{Field: "Due", Direction: tablev1.SortDirection_SORT_DIRECTION_DESCENDING}},
				VisibleFieldIds: []string{f.id("Name"), f.id("Status")},
			})
			servertest.NoErr(t, err)
			wantFilter := vwAnd(vwCond(f.id("Status"), tablev1.Operator_OPERATOR_IS_ANY_OF, []any{f.choice("Status", "Todo"), f.choice("Status", "Doing")}),
				vwCond(f.id("Amount"), tablev1.Operator_OPERATOR_GREATER_THAN_OR_EQUAL, 10))
			if !ids.Valid(ids.View, grid.GetId()) || grid.GetTableId() != f.table.GetId() || !proto.Equal(grid.GetFilter(), wantFilter) ||
				grid.GetSorts()[0].GetField() != f.id("Due") || grid.GetCreateTime() == nil || len(grid.GetStaleFieldIds()) != 0 {
				t.Fatalf("created view = %v", grid)
			}
			if got := f.get(t, grid.GetId()); !proto.Equal(got, grid) {
				t.Fatalf("GetView = %v; want %v", got, grid)
			}

			board, err := f.create(&tablev1.CreateViewRequest{Name: "Board", Kind: tablev1.ViewKind_VIEW_KIND_KANBAN,
				Settings: &tablev1.CreateViewRequest_Kanban{Kanban: &tablev1.KanbanSettings{GroupFieldId: f.id("Status")}}})
			servertest.NoErr(t, err)
			if board.GetKanban().GetGroupFieldId() != f.id("Status") {
				t.Fatalf("kanban view = %v", board)
			}
			cal, err := f.create(&tablev1.CreateViewRequest{Name: "Calendar", Kind: tablev1.ViewKind_VIEW_KIND_CALENDAR,
				Settings: &tablev1.CreateViewRequest_Calendar{Calendar: &tablev1.CalendarSettings{DateFieldId: f.id("Due")}}})
			servertest.NoErr(t, err)
			gallery, err := f.create(&tablev1.CreateViewRequest{Name: "Pictures", Kind: tablev1.ViewKind_VIEW_KIND_GALLERY,
				Settings: &tablev1.CreateViewRequest_Gallery{Gallery: &tablev1.GallerySettings{CoverFieldId: f.id("Photos")}}})
			servertest.NoErr(t, err)

			list, err := f.c.Views.ListViews(ctx, connect.NewRequest(&tablev1.ListViewsRequest{TableId: f.table.GetId(), PageSize: 3}))
			servertest.NoErr(t, err)
			more, err := f.c.Views.ListViews(ctx, connect.NewRequest(&tablev1.ListViewsRequest{TableId: f.table.GetId(), PageSize: 3, PageToken: list.Msg.GetNextPageToken()}))
			servertest.NoErr(t, err)
			var listed []string
			for _, v := range append(list.Msg.GetViews(), more.Msg.GetViews()...) {
				listed = append(listed, v.GetId())
			}
			// Every table starts with a grid view of all its fields.
			if first := list.Msg.GetViews()[0]; first.GetName() != "Grid view" || first.GetKind() != tablev1.ViewKind_VIEW_KIND_GRID {
				t.Fatalf("first view = %v; want the table's default grid view", first)
			}
			if want := []string{list.Msg.GetViews()[0].GetId(), grid.GetId(), board.GetId(), cal.GetId(), gallery.GetId()}; !slices.Equal(listed, want) || more.Msg.GetNextPageToken() != "" {
				t.Fatalf("listed %v; want %v in two pages", listed, want)
			}

			// Without update_mask, what is set replaces and the rest is kept.
			up, err := f.c.Views.UpdateView(ctx, connect.NewRequest(&tablev1.UpdateViewRequest{
				TableId: f.table.GetId(), ViewId: grid.GetId(), Name: proto.String("Big open work"),
			}))
			servertest.NoErr(t, err)
			if up.Msg.GetView().GetName() != "Big open work" || !proto.Equal(up.Msg.GetView().GetFilter(), wantFilter) || len(up.Msg.GetView().GetSorts()) != 1 {
				t.Fatalf("renamed view = %v", up.Msg.GetView())
			}
			// With update_mask, listed parts left empty are cleared.
			up, err = f.c.Views.UpdateView(ctx, connect.NewRequest(&tablev1.UpdateViewRequest{
				TableId: f.table.GetId(), ViewId: grid.GetId(), UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"filter", "visible_field_ids"}},
				Sorts: []*tablev1.Sort{{Field: "Name"}},
			}))
			servertest.NoErr(t, err)
			if v := up.Msg.GetView(); v.GetFilter() != nil || len(v.GetVisibleFieldIds()) != 0 || v.GetSorts()[0].GetField() != f.id("Due") {
				t.Fatalf("after clearing filter and visible fields: %v (sorts are not in the mask and stay)", v)
			}

			del, err := f.c.Views.DeleteView(ctx, connect.NewRequest(&tablev1.DeleteViewRequest{TableId: f.table.GetId(), ViewId: cal.GetId()}))
			servertest.NoErr(t, err)
			if del.Msg.GetView().GetId() != cal.GetId() {
				t.Fatalf("deleted view = %v", del.Msg.GetView())
			}
			_, err = f.c.Views.GetView(ctx, connect.NewRequest(&tablev1.GetViewRequest{TableId: f.table.GetId(), ViewId: cal.GetId()}))
			servertest.WantCode(t, err, connect.CodeNotFound, "NOT_FOUND")
		})
	}
}

// TestViewSettingsAndFiltersAreChecked: each kind's settings need fields of
// the right type, operators must fit the field's type, names are unique
// ignoring case; refused calls name the bad field and change nothing.
func TestViewSettingsAndFiltersAreChecked(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f := vwStart(t, b)
			ctx := context.Background()
			_, err := f.create(&tablev1.CreateViewRequest{Name: "Open", Kind: tablev1.ViewKind_VIEW_KIND_GRID})
			servertest.NoErr(t, err)
			// Another user's table, which this user cannot see.
			bob := f.env.NewUser(t, "bob@example.com")
			bc := f.env.Clients(servertest.ConnectProto, bob.Token)
			bw, err := bc.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "Bob's"}))
			servertest.NoErr(t, err)
			bb, err := bc.Bases.CreateBase(ctx, connect.NewRequest(&tablev1.CreateBaseRequest{WorkspaceId: bw.Msg.GetWorkspace().GetId(), Name: "Secret"}))
			servertest.NoErr(t, err)
			bt, err := bc.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{BaseId: bb.Msg.GetBase().GetId(), Name: "T",
				Fields: []*tablev1.FieldSpec{{Name: "Name", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT}}}))
			servertest.NoErr(t, err)
			bv, err := bc.Views.CreateView(ctx, connect.NewRequest(&tablev1.CreateViewRequest{TableId: bt.Msg.GetTable().GetId(), Name: "Bob's view", Kind: tablev1.ViewKind_VIEW_KIND_GRID}))
			servertest.NoErr(t, err)
			mine, err := f.create(&tablev1.CreateViewRequest{Name: "Mine", Kind: tablev1.ViewKind_VIEW_KIND_GRID})
			servertest.NoErr(t, err)

			before := servertest.Snapshot(t, f.env.Server.DB)
			grid := tablev1.ViewKind_VIEW_KIND_GRID
			kanban := func(field string) *tablev1.CreateViewRequest_Kanban {
				return &tablev1.CreateViewRequest_Kanban{Kanban: &tablev1.KanbanSettings{GroupFieldId: field}}
			}
			calendar := func(field string) *tablev1.CreateViewRequest_Calendar {
				return &tablev1.CreateViewRequest_Calendar{Calendar: &tablev1.CalendarSettings{DateFieldId: field}}
			}
			cases := []struct {
				name   string
				call   func() error
				code   connect.Code
				reason string
				paths  []string
			}{
				{"kanban without settings", func() error {
					_, err := f.create(&tablev1.CreateViewRequest{Name: "K", Kind: tablev1.ViewKind_VIEW_KIND_KANBAN})
					return err
				}, connect.CodeInvalidArgument, "INVALID_VIEW", []string{"kanban"}},
				{"kanban by a number", func() error {
					_, err := f.create(&tablev1.CreateViewRequest{Name: "K", Kind: tablev1.ViewKind_VIEW_KIND_KANBAN, Settings: kanban(f.id("Amount"))})
					return err
				}, connect.CodeInvalidArgument, "INVALID_VIEW", []string{"kanban.group_field_id"}},
				{"calendar on text", func() error {
					_, err := f.create(&tablev1.CreateViewRequest{Name: "C", Kind: tablev1.ViewKind_VIEW_KIND_CALENDAR, Settings: calendar(f.id("Name"))})
					return err
				}, connect.CodeInvalidArgument, "INVALID_VIEW", []string{"calendar.date_field_id"}},
				{"calendar without settings", func() error {
					_, err := f.create(&tablev1.CreateViewRequest{Name: "C", Kind: tablev1.ViewKind_VIEW_KIND_CALENDAR})
					return err
				}, connect.CodeInvalidArgument, "INVALID_VIEW", []string{"calendar"}},
				{"grid with kanban settings", func() error {
					_, err := f.create(&tablev1.CreateViewRequest{Name: "G", Kind: grid, Settings: kanban(f.id("Status"))})
					return err
				}, connect.CodeInvalidArgument, "INVALID_VIEW", []string{"kanban"}},
				{"operator that does not fit the type", func() error {
					_, err := f.create(&tablev1.CreateViewRequest{Name: "F", Kind: grid, Filter: vwAnd(
						vwCond("Name", tablev1.Operator_OPERATOR_CONTAINS, "a"),
						vwCond("Amount", tablev1.Operator_OPERATOR_CONTAINS, "1"))})
					return err
				}, connect.CodeInvalidArgument, "INVALID_FILTER", []string{"filter.and.filters[1].condition.operator"}},
				{"unknown choice", func() error {
					_, err := f.create(&tablev1.CreateViewRequest{Name: "F", Kind: grid, Filter: vwCond("Status", tablev1.Operator_OPERATOR_EQUAL, "Blocked")})
					return err
				}, connect.CodeInvalidArgument, "INVALID_FILTER", []string{"filter.condition.value"}},
				{"empty filter node", func() error {
					_, err := f.create(&tablev1.CreateViewRequest{Name: "F", Kind: grid, Filter: &tablev1.Filter{}})
					return err
				}, connect.CodeInvalidArgument, "", nil},
				{"sort by an unknown field", func() error {
					_, err := f.create(&tablev1.CreateViewRequest{Name: "S", Kind: grid, Sorts: []*tablev1.Sort{{Field: "Name"}, {Field: "Priority"}}})
					return err
				}, connect.CodeInvalidArgument, "INVALID_SORT", []string{"sorts[1].field"}},
				{"visible field of another table", func() error {
					_, err := f.create(&tablev1.CreateViewRequest{Name: "V", Kind: grid, VisibleFieldIds: []string{bt.Msg.GetTable().GetFields()[0].GetId()}})
					return err
				}, connect.CodeInvalidArgument, "INVALID_VIEW", []string{"visible_field_ids[0]"}},
				{"name taken, ignoring case", func() error {
					_, err := f.create(&tablev1.CreateViewRequest{Name: "OPEN", Kind: grid})
					return err
				}, connect.CodeAlreadyExists, "NAME_TAKEN", []string{"name"}},
				{"rename onto a taken name", func() error {
					_, err := f.c.Views.UpdateView(ctx, connect.NewRequest(&tablev1.UpdateViewRequest{TableId: f.table.GetId(), ViewId: mine.GetId(), Name: proto.String("open")}))
					return err
				}, connect.CodeAlreadyExists, "NAME_TAKEN", []string{"name"}},
				{"unknown update_mask path", func() error {
					_, err := f.c.Views.UpdateView(ctx, connect.NewRequest(&tablev1.UpdateViewRequest{TableId: f.table.GetId(), ViewId: mine.GetId(),
						UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"kind"}}}))
					return err
				}, connect.CodeInvalidArgument, "", nil},
				{"no kind", func() error {
					_, err := f.create(&tablev1.CreateViewRequest{Name: "N"})
					return err
				}, connect.CodeInvalidArgument, "", []string{"kind"}},
				{"a view under another table id", func() error {
					_, err := f.c.Views.GetView(ctx, connect.NewRequest(&tablev1.GetViewRequest{TableId: f.table.GetId(), ViewId: bv.Msg.GetView().GetId()}))
					return err
				}, connect.CodeNotFound, "NOT_FOUND", nil},
				{"another user's table", func() error {
					_, err := f.create(&tablev1.CreateViewRequest{TableId: bt.Msg.GetTable().GetId(), Name: "Steal", Kind: grid})
					return err
				}, connect.CodeNotFound, "NOT_FOUND", nil},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					vwRefused(t, c.call(), c.code, c.reason, c.paths...)
				})
			}
			if after := servertest.Snapshot(t, f.env.Server.DB); after != before {
				t.Fatalf("refused calls changed storage:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

// TestViewsOutliveFieldChanges: renaming a field keeps a view as it was;
// deleting one keeps the view working without it, reporting it as stale.
func TestViewsOutliveFieldChanges(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f := vwStart(t, b)
			ctx := context.Background()
			v, err := f.create(&tablev1.CreateViewRequest{
				Name: "Board", Kind: tablev1.ViewKind_VIEW_KIND_KANBAN,
				Settings: &tablev1.CreateViewRequest_Kanban{Kanban: &tablev1.KanbanSettings{GroupFieldId: f.id("Status")}},
				Filter: vwAnd(vwCond("Amount", tablev1.Operator_OPERATOR_GREATER_THAN, 1),
					vwCond("Name", tablev1.Operator_OPERATOR_IS_NOT_EMPTY, nil)),
				Sorts:           []*tablev1.Sort{{Field: "Amount"}, {Field: "Name"}},
				VisibleFieldIds: []string{f.id("Name"), f.id("Amount")},
			})
			servertest.NoErr(t, err)

			for _, name := range []string{"Amount", "Status", "Name"} {
				_, err := f.c.Tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{
					TableId: f.table.GetId(), FieldId: f.id(name), Name: proto.String(name + " renamed"),
				}))
				servertest.NoErr(t, err)
			}
			renamed := f.get(t, v.GetId())
			if !proto.Equal(renamed.GetFilter(), v.GetFilter()) || !slices.Equal(renamed.GetVisibleFieldIds(), v.GetVisibleFieldIds()) ||
				renamed.GetSorts()[0].GetField() != f.id("Amount") || renamed.GetKanban().GetGroupFieldId() != f.id("Status") ||
				len(renamed.GetStaleFieldIds()) != 0 {
				t.Fatalf("after renames: %v; want the view as created %v", renamed, v)
			}

			for _, name := range []string{"Amount", "Status"} {
				_, err := f.c.Tables.DeleteField(ctx, connect.NewRequest(&tablev1.DeleteFieldRequest{TableId: f.table.GetId(), FieldId: f.id(name)}))
				servertest.NoErr(t, err)
			}
			got := f.get(t, v.GetId())
			wantFilter := vwAnd(vwCond(f.id("Name"), tablev1.Operator_OPERATOR_IS_NOT_EMPTY, nil))
			if !proto.Equal(got.GetFilter(), wantFilter) || len(got.GetSorts()) != 1 || got.GetSorts()[0].GetField() != f.id("Name") ||
				!slices.Equal(got.GetVisibleFieldIds(), []string{f.id("Name")}) || got.GetKanban().GetGroupFieldId() != "" {
				t.Fatalf("after deleting Amount and Status: %v", got)
			}
			if want := []string{f.id("Amount"), f.id("Status")}; !slices.Equal(got.GetStaleFieldIds(), want) {
				t.Fatalf("stale_field_ids = %v; want %v", got.GetStaleFieldIds(), want)
			}
			// A write naming the deleted field is refused.
			_, err = f.c.Views.UpdateView(ctx, connect.NewRequest(&tablev1.UpdateViewRequest{TableId: f.table.GetId(), ViewId: v.GetId(),
				Sorts: []*tablev1.Sort{{Field: f.id("Amount")}}}))
			vwRefused(t, err, connect.CodeInvalidArgument, "INVALID_SORT", "sorts[0].field")
		})
	}
}

// TestViewsInJSON creates a view the way a script would, with the JSON
// names of the filter tree.
func TestViewsInJSON(t *testing.T) {
	b := servertest.Backends[0]
	f := vwStart(t, b)
	body := `{"tableId": "` + f.table.GetId() + `", "name": "Recent", "kind": "VIEW_KIND_GRID",
		"filter": {"or": {"filters": [
			{"condition": {"field": "name", "operator": "OPERATOR_CONTAINS", "value": "a"}},
			{"not": {"condition": {"field": "Due", "operator": "OPERATOR_WITHIN", "timeZone": "Europe/Paris",
				"dateRange": {"period": "DATE_PERIOD_PAST_N_DAYS", "days": 3}}}},
			{"condition": {"field": "Due", "operator": "OPERATOR_ON", "date": {"relative": "RELATIVE_DATE_EXACT_DATE", "exactDate": "2026-11-21"}}}
		]}},
		"sorts": [{"field": "Due", "direction": "SORT_DIRECTION_DESCENDING"}]}`
	req, err := http.NewRequest(http.MethodPost, f.env.URL+"/pyairtable.table.v1.ViewService/CreateView", bytes.NewBufferString(body))
	servertest.NoErr(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := servertest.HTTPClient(false).Do(req)
	servertest.NoErr(t, err)
	defer resp.Body.Close()
	type condition struct {
		Field    string `json:"field"`
		TimeZone string `json:"timeZone"`
	}
	var out struct {
		View struct {
			Filter struct {
				Or struct {
					Filters []struct {
						Condition *condition `json:"condition"`
						Not       *struct {
							Condition *condition `json:"condition"`
						} `json:"not"`
					} `json:"filters"`
				} `json:"or"`
			} `json:"filter"`
			Sorts []struct {
				Field string `json:"field"`
			} `json:"sorts"`
		} `json:"view"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("CreateView in JSON: HTTP %d, %v", resp.StatusCode, err)
	}
	fs := out.View.Filter.Or.Filters
	if len(fs) != 3 || fs[0].Condition.Field != f.id("Name") || fs[1].Not == nil || fs[1].Not.Condition.Field != f.id("Due") ||
		fs[1].Not.Condition.TimeZone != "Europe/Paris" || len(out.View.Sorts) != 1 || out.View.Sorts[0].Field != f.id("Due") {
		t.Fatalf("view in JSON = %+v; want fields by id", out.View)
	}
}
