package e2e_test

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/auth"
	"github.com/pyairtable/pyairtable/server/config"
	"github.com/pyairtable/pyairtable/server/servertest"
)

// TestTokenWhoseBasesAreGoneReachesNobody: a base-limited token whose
// bases were purged reaches no user, administrator or not.
func TestTokenWhoseBasesAreGoneReachesNobody(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Backends[0])
	ada := env.NewUser(t, "ada@example.com")
	bob := env.NewUser(t, "bob@example.com")
	c := env.Clients(servertest.ConnectProto, ada.Token)
	w, err := c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "W"}))
	servertest.NoErr(t, err)
	b, err := c.Bases.CreateBase(ctx, connect.NewRequest(&tablev1.CreateBaseRequest{WorkspaceId: w.Msg.GetWorkspace().GetId(), Name: "B"}))
	servertest.NoErr(t, err)
	limited := env.NewToken(t, ada.ID, auth.NewToken{Name: "b", Scopes: access.AllScopes, BaseIDs: []string{b.Msg.GetBase().GetId()}})
	_, err = c.Bases.DeleteBase(ctx, connect.NewRequest(&tablev1.DeleteBaseRequest{BaseId: b.Msg.GetBase().GetId()}))
	servertest.NoErr(t, err)
	_, _, err = env.Server.Schema.Purge(ctx, time.Now().Add(8*24*time.Hour))
	servertest.NoErr(t, err)
	lc := env.Clients(servertest.ConnectProto, limited)
	_, err = lc.Users.GetUser(ctx, connect.NewRequest(&userv1.GetUserRequest{UserId: bob.ID}))
	servertest.WantCode(t, err, connect.CodeNotFound)
	_, err = lc.Users.DeactivateUser(ctx, connect.NewRequest(&userv1.DeactivateUserRequest{UserId: bob.ID}))
	servertest.WantCode(t, err, connect.CodeNotFound)
}

// TestBackgroundConversionKeepsThePrimaryFieldValid: a large table's
// primary field cannot start converting to a type that cannot name records.
func TestBackgroundConversionKeepsThePrimaryFieldValid(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Backends[0], func(c *config.Config) { c.ConversionInlineRows = 1 })
	f := schStartOn(t, env)
	tbl := f.createTable(t, "T", text("Name"))
	col := f.column(t, tbl.GetId(), tbl.GetFields()[0].GetId())
	for _, v := range []string{"a", "b", "c"} {
		f.insert(t, tbl.GetId(), map[string]any{col: v})
	}
	before := servertest.Snapshot(t, f.env.Server.DB)
	_, err := f.c.Tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{TableId: tbl.GetId(), FieldId: tbl.GetFields()[0].GetId(),
		Type: tablev1.FieldType_FIELD_TYPE_CHECKBOX.Enum()}))
	servertest.WantCode(t, err, connect.CodeInvalidArgument)
	if servertest.Snapshot(t, f.env.Server.DB) != before {
		t.Fatal("the refused change changed storage")
	}
}

// TestRollbackRebuildsAMultiFieldIndexOnce: an index over two fields that
// both move back to their old columns is built again once.
func TestRollbackRebuildsAMultiFieldIndexOnce(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			f := schStart(t, b)
			tbl := f.createTable(t, "T", text("Name"), text("A"), text("B"))
			versions, err := f.c.Tables.ListTableVersions(ctx, connect.NewRequest(&tablev1.ListTableVersionsRequest{TableId: tbl.GetId()}))
			servertest.NoErr(t, err)
			v1 := versions.Msg.GetVersions()[0]
			for _, fld := range tbl.GetFields()[1:] {
				_, err := f.c.Tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{TableId: tbl.GetId(), FieldId: fld.GetId(), Type: tablev1.FieldType_FIELD_TYPE_NUMBER.Enum()}))
				servertest.NoErr(t, err)
			}
			ix, err := f.c.Tables.CreateIndex(ctx, connect.NewRequest(&tablev1.CreateIndexRequest{TableId: tbl.GetId(), Fields: []string{"A", "B"}}))
			servertest.NoErr(t, err)
			if ix.Msg.GetIndex().GetState() != tablev1.IndexState_INDEX_STATE_READY {
				t.Fatalf("index = %v", ix.Msg.GetIndex())
			}
			_, err = f.c.Tables.RollbackTable(ctx, connect.NewRequest(&tablev1.RollbackTableRequest{TableId: tbl.GetId(), VersionId: v1.GetId()}))
			servertest.NoErr(t, err)
			list, err := f.c.Tables.ListIndexes(ctx, connect.NewRequest(&tablev1.ListIndexesRequest{TableId: tbl.GetId()}))
			servertest.NoErr(t, err)
			if len(list.Msg.GetIndexes()) != 1 || list.Msg.GetIndexes()[0].GetState() != tablev1.IndexState_INDEX_STATE_READY {
				t.Fatalf("indexes after rollback = %v", list.Msg.GetIndexes())
			}
		})
	}
}
