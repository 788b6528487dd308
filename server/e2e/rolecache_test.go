package e2e_test

import (
	"context"
	"testing"

	"connectrpc.com/connect"

	commonv1 "github.com/pyairtable/pyairtable/gen/pyairtable/common/v1"
	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	"github.com/pyairtable/pyairtable/server/servertest"
)

// Roles are cached for the access check of every call; a membership change
// must still take effect on the very next call: adding a member, lowering
// and raising the role, removing the member, and joining a new workspace.
func TestMembershipChangesApplyAtOnce(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			env := servertest.Start(t, b)
			ctx := context.Background()
			owner := env.NewUser(t, "owner@example.com")
			guest := env.NewUser(t, "guest@example.com")
			oc := env.Clients(servertest.ConnectJSON, owner.Token)
			gc := env.Clients(servertest.ConnectJSON, guest.Token)
			tableID := recTable(t, oc, "Roles")
			ws := workspaceOf(t, oc, tableID)

			list := func() error {
				_, err := gc.Records.ListRecords(ctx, connect.NewRequest(&datav1.ListRecordsRequest{TableId: tableID}))
				return err
			}
			create := func() error {
				_, err := gc.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{TableId: tableID,
					Records: []*datav1.RecordInput{{Fields: recCells(t, map[string]any{"Name": "by guest"})}}}))
				return err
			}
			// Not a member: refused (and the refusal must not stick).
			servertest.WantCode(t, list(), connect.CodeNotFound)
			_, err := oc.Workspaces.AddMember(ctx, connect.NewRequest(&workspacev1.AddMemberRequest{
				WorkspaceId: ws, Email: guest.Email, Role: commonv1.Role_ROLE_READER}))
			servertest.NoErr(t, err)
			servertest.NoErr(t, list())
			servertest.WantCode(t, create(), connect.CodePermissionDenied)

			setRole := func(r commonv1.Role) {
				t.Helper()
				_, err := oc.Workspaces.UpdateMember(ctx, connect.NewRequest(&workspacev1.UpdateMemberRequest{
					WorkspaceId: ws, Member: &workspacev1.UpdateMemberRequest_UserId{UserId: guest.ID}, Role: r}))
				servertest.NoErr(t, err)
			}
			setRole(commonv1.Role_ROLE_EDITOR)
			servertest.NoErr(t, create())
			setRole(commonv1.Role_ROLE_READER)
			servertest.WantCode(t, create(), connect.CodePermissionDenied)

			_, err = oc.Workspaces.RemoveMember(ctx, connect.NewRequest(&workspacev1.RemoveMemberRequest{
				WorkspaceId: ws, Member: &workspacev1.RemoveMemberRequest_UserId{UserId: guest.ID}}))
			servertest.NoErr(t, err)
			servertest.WantCode(t, list(), connect.CodeNotFound)

			// A workspace the guest creates is theirs at once, though their
			// roles were cached a moment before.
			own, err := gc.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "Mine"}))
			servertest.NoErr(t, err)
			_, err = gc.Workspaces.GetWorkspace(ctx, connect.NewRequest(&workspacev1.GetWorkspaceRequest{WorkspaceId: own.Msg.GetWorkspace().GetId()}))
			servertest.NoErr(t, err)
		})
	}
}

// workspaceOf returns the workspace holding a table.
func workspaceOf(t *testing.T, c servertest.Clients, tableID string) string {
	t.Helper()
	ctx := context.Background()
	tb, err := c.Tables.GetTable(ctx, connect.NewRequest(&tablev1.GetTableRequest{TableId: tableID}))
	servertest.NoErr(t, err)
	b, err := c.Bases.GetBase(ctx, connect.NewRequest(&tablev1.GetBaseRequest{BaseId: tb.Msg.GetTable().GetBaseId()}))
	servertest.NoErr(t, err)
	return b.Msg.GetBase().GetWorkspaceId()
}
