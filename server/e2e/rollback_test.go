package e2e_test

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/servertest"
)

// TestRollback deletes a field, converts another lossy, changes a select
// to text and turns unique off, then rolls back: the schema and every
// untouched cell are back as they were, and a cell written since that does
// not convert back is reported.
func TestRollback(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f := schStart(t, b)
			ctx := context.Background()
			level := &tablev1.FieldSpec{Name: "Level", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_SELECT,
				Options: &tablev1.FieldOptions{Kind: &tablev1.FieldOptions_Select{Select: &tablev1.SelectOptions{
					Choices: []*tablev1.Choice{{Name: "Low"}, {Name: "High"}}}}}}
			tbl := f.createTable(t, "Stock", text("Name"), text("Qty"), &tablev1.FieldSpec{Name: "Notes", Type: tablev1.FieldType_FIELD_TYPE_LONG_TEXT}, text("Code"), level)
			fld := map[string]*tablev1.Field{}
			col := map[string]string{}
			for _, x := range tbl.GetFields() {
				fld[x.GetName()], col[x.GetName()] = x, f.column(t, tbl.GetId(), x.GetId())
			}
			choices := map[string]string{}
			for _, c := range fld["Level"].GetOptions().GetSelect().GetChoices() {
				choices[c.GetName()] = c.GetId()
			}
			rows := [][]any{{"bolt", "12", "zinc plated", "B-1", "Low"}, {"nut", "3.5", "", "N-1", "High"}, {"gear", "lots", "spare", "G-1", ""}}
			for _, r := range rows {
				vals := map[string]any{col["Name"]: r[0], col["Qty"]: r[1], col["Notes"]: r[2], col["Code"]: r[3]}
				if r[4] != "" {
					vals[col["Level"]] = choices[r[4].(string)]
				}
				f.insert(t, tbl.GetId(), vals)
			}
			on, err := f.c.Tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{TableId: tbl.GetId(), FieldId: fld["Code"].GetId(), Unique: proto.Bool(true)}))
			servertest.NoErr(t, err)
			if !on.Msg.GetField().GetUnique() {
				t.Fatalf("unique did not turn on: %v", on.Msg.GetOperation())
			}
			versions, err := f.c.Tables.ListTableVersions(ctx, connect.NewRequest(&tablev1.ListTableVersionsRequest{TableId: tbl.GetId()}))
			servertest.NoErr(t, err)
			v := versions.Msg.GetVersions()[0]
			if v.GetNumber() != 3 || !strings.Contains(v.GetSummary(), "unique") {
				t.Fatalf("latest version = %v; want 3, making Code unique", v)
			}
			before, err := f.c.Tables.GetTable(ctx, connect.NewRequest(&tablev1.GetTableRequest{TableId: tbl.GetId()}))
			servertest.NoErr(t, err)
			cellsBefore := map[string][]string{}
			for name, c := range col {
				cellsBefore[name] = f.cells(t, tbl.GetId(), c)
			}

			// The changes.
			_, err = f.c.Tables.DeleteField(ctx, connect.NewRequest(&tablev1.DeleteFieldRequest{TableId: tbl.GetId(), FieldId: fld["Notes"].GetId()}))
			servertest.NoErr(t, err)
			_, err = f.c.Tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{TableId: tbl.GetId(), FieldId: fld["Qty"].GetId(), Type: tablev1.FieldType_FIELD_TYPE_NUMBER.Enum()}))
			servertest.NoErr(t, err)
			_, err = f.c.Tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{TableId: tbl.GetId(), FieldId: fld["Level"].GetId(), Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT.Enum()}))
			servertest.NoErr(t, err)
			_, err = f.c.Tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{TableId: tbl.GetId(), FieldId: fld["Code"].GetId(), Unique: proto.Bool(false), Name: proto.String("SKU")}))
			servertest.NoErr(t, err)
			_, err = f.c.Tables.CreateField(ctx, connect.NewRequest(&tablev1.CreateFieldRequest{TableId: tbl.GetId(), Field: text("Extra")}))
			servertest.NoErr(t, err)
			// Written since: a record with a duplicate code and a level no choice has.
			f.insert(t, tbl.GetId(), map[string]any{col["Name"]: "washer", f.column(t, tbl.GetId(), fld["Qty"].GetId()): 7.0,
				col["Code"]: "B-1", f.column(t, tbl.GetId(), fld["Level"].GetId()): "Medium"})

			// Unique over the duplicate refuses the rollback, naming it, and changes nothing.
			snap := servertest.Snapshot(t, f.env.Server.DB)
			_, err = f.c.Tables.RollbackTable(ctx, connect.NewRequest(&tablev1.RollbackTableRequest{TableId: tbl.GetId(), VersionId: v.GetId()}))
			servertest.WantCode(t, err, connect.CodeFailedPrecondition, "UNIQUE_VIOLATION")
			if !strings.Contains(err.Error(), "B-1") {
				t.Fatalf("refusal %v does not name the duplicate", err)
			}
			if servertest.Snapshot(t, f.env.Server.DB) != snap {
				t.Fatal("the refused rollback changed storage")
			}
			phys, err := f.env.Server.Schema.Physical(ctx, f.env.Server.DB, tbl.GetId())
			servertest.NoErr(t, err)
			_, err = f.env.Server.DB.ExecContext(ctx, "UPDATE "+phys+` SET "`+col["Code"]+`" = 'W-1' WHERE "`+col["Name"]+`" = 'washer'`)
			servertest.NoErr(t, err)

			rb, err := f.c.Tables.RollbackTable(ctx, connect.NewRequest(&tablev1.RollbackTableRequest{TableId: tbl.GetId(), VersionId: v.GetId()}))
			servertest.NoErr(t, err)
			if rb.Msg.GetUnconvertedCount() != 1 || len(rb.Msg.GetUnconvertedCells()) != 1 ||
				rb.Msg.GetUnconvertedCells()[0].GetFieldId() != fld["Level"].GetId() || rb.Msg.GetUnconvertedCells()[0].GetValue().GetStringValue() != "Medium" {
				t.Fatalf("unconverted cells = %d %v; want Level \"Medium\"", rb.Msg.GetUnconvertedCount(), rb.Msg.GetUnconvertedCells())
			}
			// The schema is the version's.
			after := rb.Msg.GetTable()
			if len(after.GetFields()) != len(before.Msg.GetTable().GetFields()) {
				t.Fatalf("fields after rollback = %v", after.GetFields())
			}
			for i, want := range before.Msg.GetTable().GetFields() {
				got := after.GetFields()[i]
				if got.GetId() != want.GetId() || got.GetName() != want.GetName() || got.GetType() != want.GetType() ||
					got.GetUnique() != want.GetUnique() || !proto.Equal(got.GetOptions(), want.GetOptions()) {
					t.Errorf("field %d = %v; want %v", i, got, want)
				}
			}
			// Every untouched cell is back as it was; the record written since converted back where it could.
			for name, c := range col {
				if f.column(t, tbl.GetId(), fld[name].GetId()) != c {
					t.Fatalf("%s is not back in its column", name)
				}
				got := f.cells(t, tbl.GetId(), c)
				if strings.Join(got[:3], "|") != strings.Join(cellsBefore[name], "|") {
					t.Errorf("%s cells = %v; want %v", name, got[:3], cellsBefore[name])
				}
			}
			if got := f.cells(t, tbl.GetId(), col["Qty"]); got[3] != "7" {
				t.Errorf("Qty written as number 7 since = %q after rollback; want \"7\"", got[3])
			}
			versions, err = f.c.Tables.ListTableVersions(ctx, connect.NewRequest(&tablev1.ListTableVersionsRequest{TableId: tbl.GetId()}))
			servertest.NoErr(t, err)
			if top := versions.Msg.GetVersions()[0]; !strings.Contains(top.GetSummary(), "rolled back to version 3") {
				t.Fatalf("newest version = %v", top)
			}
			got, err := f.c.Tables.GetTableVersion(ctx, connect.NewRequest(&tablev1.GetTableVersionRequest{TableId: tbl.GetId(), VersionId: v.GetId()}))
			servertest.NoErr(t, err)
			if len(got.Msg.GetVersion().GetTable().GetFields()) != 5 {
				t.Fatalf("version 3's schema = %v", got.Msg.GetVersion().GetTable())
			}
		})
	}
}

// TestRollbackMovesIndexesWithTheColumn: a unique field converted since
// the version is unique again on its restored column after the rollback.
func TestRollbackMovesIndexesWithTheColumn(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f := schStart(t, b)
			ctx := context.Background()
			tbl := f.createTable(t, "Codes", text("Name"), text("Code"))
			code := tbl.GetFields()[1]
			oldCol := f.column(t, tbl.GetId(), code.GetId())
			f.insert(t, tbl.GetId(), map[string]any{oldCol: "7"})
			set := func(p *tablev1.UpdateFieldRequest) {
				p.TableId, p.FieldId = tbl.GetId(), code.GetId()
				_, err := f.c.Tables.UpdateField(ctx, connect.NewRequest(p))
				servertest.NoErr(t, err)
			}
			set(&tablev1.UpdateFieldRequest{Unique: proto.Bool(true)})
			versions, err := f.c.Tables.ListTableVersions(ctx, connect.NewRequest(&tablev1.ListTableVersionsRequest{TableId: tbl.GetId()}))
			servertest.NoErr(t, err)
			uniqueVersion := versions.Msg.GetVersions()[0]
			set(&tablev1.UpdateFieldRequest{Unique: proto.Bool(false)})
			set(&tablev1.UpdateFieldRequest{Type: tablev1.FieldType_FIELD_TYPE_NUMBER.Enum()})
			set(&tablev1.UpdateFieldRequest{Unique: proto.Bool(true)})
			rb, err := f.c.Tables.RollbackTable(ctx, connect.NewRequest(&tablev1.RollbackTableRequest{TableId: tbl.GetId(), VersionId: uniqueVersion.GetId()}))
			servertest.NoErr(t, err)
			if !rb.Msg.GetTable().GetFields()[1].GetUnique() || f.column(t, tbl.GetId(), code.GetId()) != oldCol {
				t.Fatalf("after rollback: %v on %s; want unique on %s", rb.Msg.GetTable().GetFields()[1], f.column(t, tbl.GetId(), code.GetId()), oldCol)
			}
			phys, err := f.env.Server.Schema.Physical(ctx, f.env.Server.DB, tbl.GetId())
			servertest.NoErr(t, err)
			if err := uniqInsert(ctx, f, phys, oldCol, "7", false); err == nil {
				t.Fatal("a duplicate went into the restored unique column")
			}
		})
	}
}
