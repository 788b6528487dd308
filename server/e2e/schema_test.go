package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/servertest"
)

// schFixture is a server with a workspace and a base owned by ada.
type schFixture struct {
	env    *servertest.Env
	c      servertest.Clients
	ws     string
	base   string
	userID string
}

func schStart(t *testing.T, b servertest.Backend) *schFixture {
	t.Helper()
	return schStartOn(t, servertest.Start(t, b))
}

// schStartOn sets the fixture up on a running server.
func schStartOn(t *testing.T, env *servertest.Env) *schFixture {
	t.Helper()
	ada := env.NewUser(t, "ada@example.com")
	c := env.Clients(servertest.ConnectProto, ada.Token)
	ctx := context.Background()
	w, err := c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "W"}))
	servertest.NoErr(t, err)
	bs, err := c.Bases.CreateBase(ctx, connect.NewRequest(&tablev1.CreateBaseRequest{WorkspaceId: w.Msg.GetWorkspace().GetId(), Name: "CRM"}))
	servertest.NoErr(t, err)
	return &schFixture{env: env, c: c, ws: w.Msg.GetWorkspace().GetId(), base: bs.Msg.GetBase().GetId(), userID: ada.ID}
}

func (f *schFixture) createTable(t *testing.T, name string, fields ...*tablev1.FieldSpec) *tablev1.Table {
	t.Helper()
	resp, err := f.c.Tables.CreateTable(context.Background(), connect.NewRequest(&tablev1.CreateTableRequest{BaseId: f.base, Name: name, Fields: fields}))
	servertest.NoErr(t, err)
	return resp.Msg.GetTable()
}

// insert adds a record straight into the table's physical table, with the
// given column values (records get their own service later).
func (f *schFixture) insert(t *testing.T, tableID string, values map[string]any) {
	t.Helper()
	ctx := context.Background()
	phys, err := f.env.Server.Schema.Physical(ctx, f.env.Server.DB, tableID)
	servertest.NoErr(t, err)
	cols := []string{"id", "created_at", "updated_at"}
	now := time.Now().UTC()
	args := []any{ids.New(ids.Record), now, now}
	for c, v := range values {
		cols = append(cols, `"`+c+`"`)
		args = append(args, v)
	}
	q := "INSERT INTO " + phys + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	_, err = f.env.Server.DB.ExecContext(ctx, q, args...)
	servertest.NoErr(t, err)
}

// column returns the physical column of a field.
func (f *schFixture) column(t *testing.T, tableID, fieldID string) string {
	t.Helper()
	var col string
	err := f.env.Server.DB.NewSelect().Table("fields").Column("column_name").Where("id = ?", fieldID).Scan(context.Background(), &col)
	servertest.NoErr(t, err)
	return col
}

// cells reads a physical column in insertion order, as text.
func (f *schFixture) cells(t *testing.T, tableID, column string) []string {
	t.Helper()
	ctx := context.Background()
	phys, err := f.env.Server.Schema.Physical(ctx, f.env.Server.DB, tableID)
	servertest.NoErr(t, err)
	rows, err := f.env.Server.DB.QueryContext(ctx, "SELECT "+`"`+column+`"`+" FROM "+phys+" ORDER BY seq")
	servertest.NoErr(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v any
		servertest.NoErr(t, rows.Scan(&v))
		switch x := v.(type) {
		case nil:
			out = append(out, "<nil>")
		case []byte:
			out = append(out, string(x))
		default:
			out = append(out, fmt.Sprint(x))
		}
	}
	return out
}

func text(name string) *tablev1.FieldSpec {
	return &tablev1.FieldSpec{Name: name, Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT}
}

func TestBasesLifecycle(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f := schStart(t, b)
			ctx := context.Background()
			second, err := f.c.Bases.CreateBase(ctx, connect.NewRequest(&tablev1.CreateBaseRequest{WorkspaceId: f.ws, Name: "Ops"}))
			servertest.NoErr(t, err)
			page, err := f.c.Bases.ListBases(ctx, connect.NewRequest(&tablev1.ListBasesRequest{WorkspaceId: f.ws, PageSize: 1}))
			servertest.NoErr(t, err)
			if len(page.Msg.GetBases()) != 1 || page.Msg.GetBases()[0].GetId() != f.base || page.Msg.GetNextPageToken() == "" {
				t.Fatalf("first page = %v", page.Msg)
			}
			page, err = f.c.Bases.ListBases(ctx, connect.NewRequest(&tablev1.ListBasesRequest{WorkspaceId: f.ws, PageSize: 1, PageToken: page.Msg.GetNextPageToken()}))
			servertest.NoErr(t, err)
			if len(page.Msg.GetBases()) != 1 || page.Msg.GetBases()[0].GetId() != second.Msg.GetBase().GetId() || page.Msg.GetNextPageToken() != "" {
				t.Fatalf("second page = %v", page.Msg)
			}
			up, err := f.c.Bases.UpdateBase(ctx, connect.NewRequest(&tablev1.UpdateBaseRequest{BaseId: f.base, Name: proto.String("Sales")}))
			servertest.NoErr(t, err)
			if up.Msg.GetBase().GetName() != "Sales" {
				t.Fatalf("renamed base = %v", up.Msg.GetBase())
			}
			tbl := f.createTable(t, "Leads", text("Name"))
			f.insert(t, tbl.GetId(), map[string]any{f.column(t, tbl.GetId(), tbl.GetFields()[0].GetId()): "Acme"})

			del, err := f.c.Bases.DeleteBase(ctx, connect.NewRequest(&tablev1.DeleteBaseRequest{BaseId: f.base}))
			servertest.NoErr(t, err)
			if del.Msg.GetBase().GetDeleteTime() == nil || del.Msg.GetBase().GetPurgeTime().AsTime().Sub(del.Msg.GetBase().GetDeleteTime().AsTime()) != 7*24*time.Hour {
				t.Fatalf("deleted base = %v; want a purge 7 days later", del.Msg.GetBase())
			}
			// A deleted base is not listed, refuses schema changes, and can come back with its data.
			page, err = f.c.Bases.ListBases(ctx, connect.NewRequest(&tablev1.ListBasesRequest{WorkspaceId: f.ws}))
			servertest.NoErr(t, err)
			if len(page.Msg.GetBases()) != 1 {
				t.Fatalf("listed %d bases after a delete; want 1", len(page.Msg.GetBases()))
			}
			_, err = f.c.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{BaseId: f.base, Name: "X", Fields: []*tablev1.FieldSpec{text("A")}}))
			servertest.WantCode(t, err, connect.CodeFailedPrecondition, "BASE_DELETED")
			_, err = f.c.Workspaces.DeleteWorkspace(ctx, connect.NewRequest(&workspacev1.DeleteWorkspaceRequest{WorkspaceId: f.ws}))
			servertest.WantCode(t, err, connect.CodeFailedPrecondition, "WORKSPACE_NOT_EMPTY")
			_, err = f.c.Bases.RestoreBase(ctx, connect.NewRequest(&tablev1.RestoreBaseRequest{BaseId: f.base}))
			servertest.NoErr(t, err)
			_, err = f.c.Bases.RestoreBase(ctx, connect.NewRequest(&tablev1.RestoreBaseRequest{BaseId: f.base}))
			servertest.WantCode(t, err, connect.CodeFailedPrecondition, "NOT_DELETED")
			if got := f.cells(t, tbl.GetId(), f.column(t, tbl.GetId(), tbl.GetFields()[0].GetId())); len(got) != 1 || got[0] != "Acme" {
				t.Fatalf("restored base's records = %v", got)
			}

			// The purge removes a base whose trash period is over, data and all.
			_, err = f.c.Bases.DeleteBase(ctx, connect.NewRequest(&tablev1.DeleteBaseRequest{BaseId: f.base}))
			servertest.NoErr(t, err)
			phys, err := f.env.Server.Schema.Physical(ctx, f.env.Server.DB, tbl.GetId())
			servertest.NoErr(t, err)
			nb, nt, err := f.env.Server.Schema.Purge(ctx, time.Now().Add(8*24*time.Hour))
			servertest.NoErr(t, err)
			if nb != 1 || nt != 0 {
				t.Fatalf("purged %d bases and %d tables; want 1 and 0", nb, nt)
			}
			_, err = f.c.Bases.GetBase(ctx, connect.NewRequest(&tablev1.GetBaseRequest{BaseId: f.base}))
			servertest.WantCode(t, err, connect.CodeNotFound)
			if _, err := f.env.Server.DB.ExecContext(ctx, "SELECT 1 FROM "+phys); err == nil {
				t.Fatalf("physical table %s survived the purge", phys)
			}

			// A workspace whose bases are deleted goes, and its deleted bases with it.
			opsTable := func() string {
				resp, err := f.c.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{BaseId: second.Msg.GetBase().GetId(), Name: "Tasks", Fields: []*tablev1.FieldSpec{text("Name")}}))
				servertest.NoErr(t, err)
				phys, err := f.env.Server.Schema.Physical(ctx, f.env.Server.DB, resp.Msg.GetTable().GetId())
				servertest.NoErr(t, err)
				return phys
			}()
			_, err = f.c.Bases.DeleteBase(ctx, connect.NewRequest(&tablev1.DeleteBaseRequest{BaseId: second.Msg.GetBase().GetId()}))
			servertest.NoErr(t, err)
			_, err = f.c.Workspaces.DeleteWorkspace(ctx, connect.NewRequest(&workspacev1.DeleteWorkspaceRequest{WorkspaceId: f.ws}))
			servertest.NoErr(t, err)
			if _, err := f.env.Server.DB.ExecContext(ctx, "SELECT 1 FROM "+opsTable); err == nil {
				t.Fatalf("physical table %s survived its workspace", opsTable)
			}
		})
	}
}

// TestEveryFieldType creates a table with one field of every type.
func TestEveryFieldType(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f := schStart(t, b)
			var specs []*tablev1.FieldSpec
			for n := range tablev1.FieldType_name {
				if n == 0 {
					continue
				}
				kind := tablev1.FieldType(n)
				specs = append(specs, &tablev1.FieldSpec{Name: strings.TrimPrefix(kind.String(), "FIELD_TYPE_"), Type: kind})
			}
			// The primary field first: a type that can name a record.
			for i, s := range specs {
				if s.Type == tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT {
					specs[0], specs[i] = specs[i], specs[0]
				}
			}
			tbl := f.createTable(t, "All types", specs...)
			if len(tbl.GetFields()) != len(specs) {
				t.Fatalf("table has %d fields; want %d", len(tbl.GetFields()), len(specs))
			}
			for _, fld := range tbl.GetFields() {
				computed := map[tablev1.FieldType]bool{
					tablev1.FieldType_FIELD_TYPE_AUTO_NUMBER: true, tablev1.FieldType_FIELD_TYPE_CREATED_TIME: true,
					tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_TIME: true, tablev1.FieldType_FIELD_TYPE_CREATED_BY: true,
					tablev1.FieldType_FIELD_TYPE_LAST_MODIFIED_BY: true,
				}[fld.GetType()]
				if fld.GetReadOnly() != computed {
					t.Errorf("%s: read_only = %v; want %v", fld.GetName(), fld.GetReadOnly(), computed)
				}
				if fld.GetPrimary() != (fld.GetId() == tbl.GetPrimaryFieldId()) {
					t.Errorf("%s: primary flag disagrees with the table", fld.GetName())
				}
			}
			// Options get their defaults.
			got, err := f.c.Tables.GetTable(context.Background(), connect.NewRequest(&tablev1.GetTableRequest{TableId: tbl.GetId()}))
			servertest.NoErr(t, err)
			for _, fld := range got.Msg.GetTable().GetFields() {
				if fld.GetType() == tablev1.FieldType_FIELD_TYPE_RATING && fld.GetOptions().GetRating().GetMax() != 5 {
					t.Errorf("rating options = %v; want max 5 by default", fld.GetOptions())
				}
				if fld.GetType() == tablev1.FieldType_FIELD_TYPE_CURRENCY && fld.GetOptions().GetCurrency().GetSymbol() == "" {
					t.Errorf("currency options = %v; want a default symbol", fld.GetOptions())
				}
			}
		})
	}
}

func TestSchemaChangesAndConversion(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f := schStart(t, b)
			ctx := context.Background()
			tbl := f.createTable(t, "Parts", text("Name"), text("Qty"), &tablev1.FieldSpec{Name: "Notes", Type: tablev1.FieldType_FIELD_TYPE_LONG_TEXT})
			name, qty, notes := tbl.GetFields()[0], tbl.GetFields()[1], tbl.GetFields()[2]
			qtyCol, notesCol := f.column(t, tbl.GetId(), qty.GetId()), f.column(t, tbl.GetId(), notes.GetId())
			nameCol := f.column(t, tbl.GetId(), name.GetId())
			for i, q := range []string{"12", "3.5", "lots", ""} {
				f.insert(t, tbl.GetId(), map[string]any{nameCol: fmt.Sprint("part ", i), qtyCol: q, notesCol: "note " + q})
			}

			// Rename: metadata only; a stale etag is refused.
			ren, err := f.c.Tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{TableId: tbl.GetId(), FieldId: notes.GetId(), Name: proto.String("Remarks"), Etag: tbl.GetEtag()}))
			servertest.NoErr(t, err)
			_, err = f.c.Tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{TableId: tbl.GetId(), FieldId: notes.GetId(), Name: proto.String("Again"), Etag: tbl.GetEtag()}))
			servertest.WantCode(t, err, connect.CodeFailedPrecondition, "ETAG_MISMATCH")
			if f.column(t, tbl.GetId(), notes.GetId()) != notesCol {
				t.Fatal("a rename moved the field to another column")
			}
			_, err = f.c.Tables.CreateField(ctx, connect.NewRequest(&tablev1.CreateFieldRequest{TableId: tbl.GetId(), Field: text("remarks")}))
			servertest.WantCode(t, err, connect.CodeAlreadyExists, "NAME_TAKEN")

			// Convert Qty to a number: what parses converts, the rest is cleared; the old cells stay untouched.
			conv, err := f.c.Tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{
				TableId: tbl.GetId(), FieldId: qty.GetId(), Type: tablev1.FieldType_FIELD_TYPE_NUMBER.Enum(),
				Options: &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Number{Number: &tablev1.NumberOptions{Precision: 1}}},
				Etag:    ren.Msg.GetTable().GetEtag(),
			}))
			servertest.NoErr(t, err)
			if conv.Msg.GetConvertedCells() != 2 || conv.Msg.GetClearedCells() != 1 {
				t.Fatalf("converted %d, cleared %d; want 2 and 1", conv.Msg.GetConvertedCells(), conv.Msg.GetClearedCells())
			}
			newCol := f.column(t, tbl.GetId(), qty.GetId())
			if newCol == qtyCol {
				t.Fatal("the type change reused the old column")
			}
			if got := strings.Join(f.cells(t, tbl.GetId(), newCol), ","); got != "12,3.5,<nil>,<nil>" {
				t.Fatalf("converted cells = %s", got)
			}
			if got := strings.Join(f.cells(t, tbl.GetId(), qtyCol), ","); got != "12,3.5,lots," {
				t.Fatalf("the old cells changed: %s", got)
			}

			// Delete a field: it disappears, its cells stay hidden; the primary field stays.
			del, err := f.c.Tables.DeleteField(ctx, connect.NewRequest(&tablev1.DeleteFieldRequest{TableId: tbl.GetId(), FieldId: notes.GetId()}))
			servertest.NoErr(t, err)
			if len(del.Msg.GetTable().GetFields()) != 2 {
				t.Fatalf("fields after delete = %d; want 2", len(del.Msg.GetTable().GetFields()))
			}
			if got := f.cells(t, tbl.GetId(), notesCol); got[0] != "note 12" {
				t.Fatalf("a deleted field's cells = %v", got)
			}
			_, err = f.c.Tables.DeleteField(ctx, connect.NewRequest(&tablev1.DeleteFieldRequest{TableId: tbl.GetId(), FieldId: name.GetId()}))
			servertest.WantCode(t, err, connect.CodeFailedPrecondition, "PRIMARY_FIELD")

			// A refused conversion (to a computed type) changes nothing.
			before := servertest.Snapshot(t, f.env.Server.DB)
			_, err = f.c.Tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{TableId: tbl.GetId(), FieldId: qty.GetId(), Type: tablev1.FieldType_FIELD_TYPE_CREATED_TIME.Enum()}))
			servertest.WantCode(t, err, connect.CodeFailedPrecondition, "CONVERSION_REFUSED")
			// Required over empty cells is refused.
			_, err = f.c.Tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{TableId: tbl.GetId(), FieldId: qty.GetId(), Required: proto.Bool(true)}))
			servertest.WantCode(t, err, connect.CodeFailedPrecondition, "REQUIRED_VIOLATION")
			if after := servertest.Snapshot(t, f.env.Server.DB); after != before {
				t.Fatal("refused changes changed storage")
			}
		})
	}
}

func TestTableTrash(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f := schStart(t, b)
			ctx := context.Background()
			tbl := f.createTable(t, "Orders", text("Name"))
			col := f.column(t, tbl.GetId(), tbl.GetFields()[0].GetId())
			f.insert(t, tbl.GetId(), map[string]any{col: "first"})
			_, err := f.c.Tables.DeleteTable(ctx, connect.NewRequest(&tablev1.DeleteTableRequest{TableId: tbl.GetId()}))
			servertest.NoErr(t, err)
			// The name is free while the table is in the trash; restoring then collides.
			other := f.createTable(t, "orders", text("Name"))
			_, err = f.c.Tables.RestoreTable(ctx, connect.NewRequest(&tablev1.RestoreTableRequest{TableId: tbl.GetId()}))
			servertest.WantCode(t, err, connect.CodeAlreadyExists, "NAME_TAKEN")
			_, err = f.c.Tables.UpdateTable(ctx, connect.NewRequest(&tablev1.UpdateTableRequest{TableId: other.GetId(), Name: proto.String("Orders 2")}))
			servertest.NoErr(t, err)
			_, err = f.c.Tables.RestoreTable(ctx, connect.NewRequest(&tablev1.RestoreTableRequest{TableId: tbl.GetId()}))
			servertest.NoErr(t, err)
			if got := f.cells(t, tbl.GetId(), col); len(got) != 1 || got[0] != "first" {
				t.Fatalf("restored table's records = %v", got)
			}
			// Purge after the trash period removes the table and its records.
			_, err = f.c.Tables.DeleteTable(ctx, connect.NewRequest(&tablev1.DeleteTableRequest{TableId: tbl.GetId()}))
			servertest.NoErr(t, err)
			_, nt, err := f.env.Server.Schema.Purge(ctx, time.Now().Add(8*24*time.Hour))
			servertest.NoErr(t, err)
			if nt != 1 {
				t.Fatalf("purged %d tables; want 1", nt)
			}
			var states []string
			err = f.env.Server.DB.NewSelect().Table("operations").Column("state").
				Where("kind = 'purge' AND table_id = ?", tbl.GetId()).Scan(ctx, &states)
			servertest.NoErr(t, err)
			if len(states) != 1 || states[0] != "succeeded" {
				t.Fatalf("purge operations = %v; want one succeeded", states)
			}
			_, err = f.c.Tables.GetTable(ctx, connect.NewRequest(&tablev1.GetTableRequest{TableId: tbl.GetId()}))
			servertest.WantCode(t, err, connect.CodeNotFound)
		})
	}
}

func TestSchemaBadInput(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f := schStart(t, b)
			ctx := context.Background()
			tbl := f.createTable(t, "People", text("Name"))
			// Another workspace's base, unknown for this user.
			bob := f.env.NewUser(t, "bob@example.com")
			bc := f.env.Clients(servertest.ConnectProto, bob.Token)
			bw, err := bc.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "Bob's"}))
			servertest.NoErr(t, err)
			bb, err := bc.Bases.CreateBase(ctx, connect.NewRequest(&tablev1.CreateBaseRequest{WorkspaceId: bw.Msg.GetWorkspace().GetId(), Name: "Secret"}))
			servertest.NoErr(t, err)
			before := servertest.Snapshot(t, f.env.Server.DB)
			cases := []struct {
				name   string
				call   func() error
				code   connect.Code
				reason string
			}{
				{"duplicate field names", func() error {
					_, err := f.c.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{BaseId: f.base, Name: "T", Fields: []*tablev1.FieldSpec{text("A"), text("a")}}))
					return err
				}, connect.CodeInvalidArgument, ""},
				{"table name taken", func() error {
					_, err := f.c.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{BaseId: f.base, Name: "PEOPLE", Fields: []*tablev1.FieldSpec{text("A")}}))
					return err
				}, connect.CodeAlreadyExists, "NAME_TAKEN"},
				{"checkbox as primary", func() error {
					_, err := f.c.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{BaseId: f.base, Name: "T", Fields: []*tablev1.FieldSpec{{Name: "Done", Type: tablev1.FieldType_FIELD_TYPE_CHECKBOX}}}))
					return err
				}, connect.CodeInvalidArgument, ""},
				{"bad options", func() error {
					_, err := f.c.Tables.CreateField(ctx, connect.NewRequest(&tablev1.CreateFieldRequest{TableId: tbl.GetId(), Field: &tablev1.FieldSpec{
						Name: "Stars", Type: tablev1.FieldType_FIELD_TYPE_RATING,
						Options: &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Rating{Rating: &tablev1.RatingOptions{Max: 11}}}}}))
					return err
				}, connect.CodeInvalidArgument, ""},
				{"options of another type", func() error {
					_, err := f.c.Tables.CreateField(ctx, connect.NewRequest(&tablev1.CreateFieldRequest{TableId: tbl.GetId(), Field: &tablev1.FieldSpec{
						Name: "N", Type: tablev1.FieldType_FIELD_TYPE_NUMBER,
						Options: &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Rating{Rating: &tablev1.RatingOptions{Max: 3}}}}}))
					return err
				}, connect.CodeInvalidArgument, ""},
				{"unknown type number", func() error {
					_, err := f.c.Tables.CreateField(ctx, connect.NewRequest(&tablev1.CreateFieldRequest{TableId: tbl.GetId(), Field: &tablev1.FieldSpec{Name: "X", Type: tablev1.FieldType(31)}}))
					return err
				}, connect.CodeInvalidArgument, ""},
				{"too many fields", func() error {
					specs := make([]*tablev1.FieldSpec, 501)
					for i := range specs {
						specs[i] = text(fmt.Sprint("F", i))
					}
					_, err := f.c.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{BaseId: f.base, Name: "Wide", Fields: specs}))
					return err
				}, connect.CodeInvalidArgument, ""},
				{"unknown table", func() error {
					_, err := f.c.Tables.GetTable(ctx, connect.NewRequest(&tablev1.GetTableRequest{TableId: ids.New(ids.Table)}))
					return err
				}, connect.CodeNotFound, "NOT_FOUND"},
				{"unknown field", func() error {
					_, err := f.c.Tables.DeleteField(ctx, connect.NewRequest(&tablev1.DeleteFieldRequest{TableId: tbl.GetId(), FieldId: ids.New(ids.Field)}))
					return err
				}, connect.CodeNotFound, "NOT_FOUND"},
				{"another workspace's base", func() error {
					_, err := f.c.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{BaseId: bb.Msg.GetBase().GetId(), Name: "Steal", Fields: []*tablev1.FieldSpec{text("A")}}))
					return err
				}, connect.CodeNotFound, "NOT_FOUND"},
				{"malformed id", func() error {
					_, err := f.c.Bases.GetBase(ctx, connect.NewRequest(&tablev1.GetBaseRequest{BaseId: "app123"}))
					return err
				}, connect.CodeInvalidArgument, ""},
			}
			for _, c := range cases {
				err := c.call()
				if c.reason == "" {
					servertest.WantCode(t, err, c.code)
				} else {
					servertest.WantCode(t, err, c.code, c.reason)
				}
			}
			if after := servertest.Snapshot(t, f.env.Server.DB); after != before {
				t.Fatal("refused calls changed storage")
			}
		})
	}
}
