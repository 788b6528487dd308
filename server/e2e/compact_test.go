package e2e_test

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/config"
	"github.com/pyairtable/pyairtable/server/servertest"
	"github.com/pyairtable/pyairtable/server/storage"
)

// TestCompaction: type changes use up the column budget (each keeps the
// old column hidden); the next one compacts the table, keeping every
// record, its order and the indexes, and the versions whose cells went can
// no longer be rolled back to.
func TestCompaction(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			env := servertest.Start(t, b, func(c *config.Config) { c.ColumnBudget = 4 })
			f := schStartOn(t, env)
			ctx := context.Background()
			tbl := f.createTable(t, "Parts", text("Name"), text("Qty"))
			name, qty := tbl.GetFields()[0], tbl.GetFields()[1]
			nameCol := f.column(t, tbl.GetId(), name.GetId())
			for _, r := range [][2]string{{"bolt", "1"}, {"nut", "2"}, {"gear", "3"}} {
				f.insert(t, tbl.GetId(), map[string]any{nameCol: r[0], f.column(t, tbl.GetId(), qty.GetId()): r[1]})
			}
			ix, err := f.c.Tables.CreateIndex(ctx, connect.NewRequest(&tablev1.CreateIndexRequest{TableId: tbl.GetId(), Fields: []string{"Name"}}))
			servertest.NoErr(t, err)
			first, err := f.c.Tables.ListTableVersions(ctx, connect.NewRequest(&tablev1.ListTableVersionsRequest{TableId: tbl.GetId()}))
			servertest.NoErr(t, err)
			early := first.Msg.GetVersions()[len(first.Msg.GetVersions())-1]
			for _, kind := range []tablev1.FieldType{tablev1.FieldType_FIELD_TYPE_NUMBER, tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT, tablev1.FieldType_FIELD_TYPE_NUMBER} {
				_, err := f.c.Tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{TableId: tbl.GetId(), FieldId: qty.GetId(), Type: kind.Enum()}))
				servertest.NoErr(t, err)
			}
			// Compacted: only the two columns in use, the records and their order kept.
			var hidden int
			servertest.NoErr(t, f.env.Server.DB.NewSelect().Table("retired_columns").ColumnExpr("COUNT(*)").Where("table_id = ?", tbl.GetId()).Scan(ctx, &hidden))
			if hidden != 1 {
				t.Fatalf("%d hidden columns after the compaction; want 1 (the last change's)", hidden)
			}
			if got := strings.Join(f.cells(t, tbl.GetId(), nameCol), ","); got != "bolt,nut,gear" {
				t.Fatalf("names after compaction = %s", got)
			}
			if got := strings.Join(f.cells(t, tbl.GetId(), f.column(t, tbl.GetId(), qty.GetId())), ","); got != "1,2,3" {
				t.Fatalf("quantities after compaction = %s", got)
			}
			// New records continue the sequence.
			f.insert(t, tbl.GetId(), map[string]any{nameCol: "washer"})
			if got := f.cells(t, tbl.GetId(), nameCol); len(got) != 4 || got[3] != "washer" {
				t.Fatalf("names after a new record = %v", got)
			}
			// The index was built again.
			q := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = ?"
			if b.Engine == storage.Postgres {
				q = "SELECT COUNT(*) FROM pg_class WHERE relkind = 'i' AND relname = ?"
			}
			var n int
			servertest.NoErr(t, f.env.Server.DB.NewRaw(q, "ix_"+strings.ToLower(ix.Msg.GetIndex().GetId())).Scan(ctx, &n))
			if n != 1 {
				t.Fatalf("the index is gone after compaction")
			}
			// An early version needs a column that is gone.
			_, err = f.c.Tables.RollbackTable(ctx, connect.NewRequest(&tablev1.RollbackTableRequest{TableId: tbl.GetId(), VersionId: early.GetId()}))
			servertest.WantCode(t, err, connect.CodeFailedPrecondition, "VERSION_UNAVAILABLE")
		})
	}
}
