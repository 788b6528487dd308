package e2e_test

import (
	"context"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	authv1 "github.com/pyairtable/pyairtable/gen/pyairtable/auth/v1"
	commonv1 "github.com/pyairtable/pyairtable/gen/pyairtable/common/v1"
	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	"github.com/pyairtable/pyairtable/server/servertest"
)

// TestSmoke walks through users, workspaces, members and tokens on every
// backend and over every protocol.
func TestSmoke(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			env := servertest.Start(t, b)
			for _, p := range servertest.Protocols {
				t.Run(string(p), func(t *testing.T) {
					smkTour(t, env, p)
				})
			}
		})
	}
}

func smkTour(t *testing.T, env *servertest.Env, p servertest.Protocol) {
	ctx := context.Background()
	suffix := string(p)
	ada := env.NewUser(t, "ada+"+suffix+"@example.com")
	c := env.Clients(p, ada.Token)

	me, err := c.Users.GetCurrentUser(ctx, connect.NewRequest(&userv1.GetCurrentUserRequest{}))
	servertest.NoErr(t, err)
	if me.Msg.GetUser().GetId() != ada.ID || me.Msg.GetUser().GetState() != userv1.UserState_USER_STATE_ACTIVE {
		t.Fatalf("GetCurrentUser = %v; want %s, active", me.Msg.GetUser(), ada.ID)
	}

	prefs, _ := structpb.NewStruct(map[string]any{"theme": "dark"})
	upd, err := c.Users.UpdateUser(ctx, connect.NewRequest(&userv1.UpdateUserRequest{
		UserId: ada.ID, DisplayName: proto.String("Ada L."), TimeZone: proto.String("Europe/London"), Preferences: prefs,
	}))
	servertest.NoErr(t, err)
	if u := upd.Msg.GetUser(); u.GetDisplayName() != "Ada L." || u.GetTimeZone() != "Europe/London" ||
		u.GetPreferences().GetFields()["theme"].GetStringValue() != "dark" || u.GetLocale() != "en" {
		t.Fatalf("UpdateUser = %v", u)
	}
	_, err = c.Users.UpdateUser(ctx, connect.NewRequest(&userv1.UpdateUserRequest{UserId: ada.ID, TimeZone: proto.String("Mars/Olympus")}))
	servertest.WantCode(t, err, connect.CodeInvalidArgument, "INVALID_ARGUMENT")

	// Workspaces, listed in pages.
	var created []string
	for _, name := range []string{"One", "Two", "Three"} {
		w, err := c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: name}))
		servertest.NoErr(t, err)
		if w.Msg.GetWorkspace().GetRole() != commonv1.Role_ROLE_OWNER {
			t.Fatalf("creator's role = %v; want owner", w.Msg.GetWorkspace().GetRole())
		}
		created = append(created, w.Msg.GetWorkspace().GetId())
	}
	var listed []string
	token := ""
	for pages := 0; ; pages++ {
		page, err := c.Workspaces.ListWorkspaces(ctx, connect.NewRequest(&workspacev1.ListWorkspacesRequest{PageSize: 2, PageToken: token}))
		servertest.NoErr(t, err)
		for _, w := range page.Msg.GetWorkspaces() {
			listed = append(listed, w.GetId())
		}
		token = page.Msg.GetNextPageToken()
		if token == "" {
			break
		}
		if pages > 3 {
			t.Fatal("ListWorkspaces does not end")
		}
	}
	if len(listed) != 3 || listed[0] != created[0] || listed[2] != created[2] {
		t.Fatalf("listed %v; want %v in creation order", listed, created)
	}
	ws := created[0]

	// Members: one who exists, one pending.
	bob := env.NewUser(t, "bob+"+suffix+"@example.com")
	added, err := c.Workspaces.AddMember(ctx, connect.NewRequest(&workspacev1.AddMemberRequest{
		WorkspaceId: ws, Email: "BOB+" + suffix + "@example.com", Role: commonv1.Role_ROLE_EDITOR,
	}))
	servertest.NoErr(t, err)
	if m := added.Msg.GetMember(); m.GetUserId() != bob.ID || m.GetState() != workspacev1.MemberState_MEMBER_STATE_ACTIVE {
		t.Fatalf("AddMember(existing user) = %v", m)
	}
	pending, err := c.Workspaces.AddMember(ctx, connect.NewRequest(&workspacev1.AddMemberRequest{
		WorkspaceId: ws, Email: "carol+" + suffix + "@example.com", Role: commonv1.Role_ROLE_READER,
	}))
	servertest.NoErr(t, err)
	if pending.Msg.GetMember().GetState() != workspacev1.MemberState_MEMBER_STATE_PENDING {
		t.Fatalf("AddMember(unknown email) = %v; want pending", pending.Msg.GetMember())
	}
	_, err = c.Workspaces.AddMember(ctx, connect.NewRequest(&workspacev1.AddMemberRequest{
		WorkspaceId: ws, Email: "bob+" + suffix + "@example.com", Role: commonv1.Role_ROLE_READER,
	}))
	servertest.WantCode(t, err, connect.CodeAlreadyExists, "ALREADY_MEMBER")
	// The pending member signs up later and finds the workspace.
	carol := env.NewUser(t, "carol+"+suffix+"@example.com")
	cw, err := env.Clients(p, carol.Token).Workspaces.GetWorkspace(ctx, connect.NewRequest(&workspacev1.GetWorkspaceRequest{WorkspaceId: ws}))
	servertest.NoErr(t, err)
	if cw.Msg.GetWorkspace().GetRole() != commonv1.Role_ROLE_READER {
		t.Fatalf("linked member's role = %v; want reader", cw.Msg.GetWorkspace().GetRole())
	}

	members, err := c.Workspaces.ListMembers(ctx, connect.NewRequest(&workspacev1.ListMembersRequest{WorkspaceId: ws}))
	servertest.NoErr(t, err)
	if n := len(members.Msg.GetMembers()); n != 3 {
		t.Fatalf("ListMembers = %d members; want 3", n)
	}

	// The last owner stays.
	_, err = c.Workspaces.UpdateMember(ctx, connect.NewRequest(&workspacev1.UpdateMemberRequest{
		WorkspaceId: ws, Member: &workspacev1.UpdateMemberRequest_UserId{UserId: ada.ID}, Role: commonv1.Role_ROLE_EDITOR,
	}))
	servertest.WantCode(t, err, connect.CodeFailedPrecondition, "LAST_OWNER")
	_, err = c.Workspaces.RemoveMember(ctx, connect.NewRequest(&workspacev1.RemoveMemberRequest{
		WorkspaceId: ws, Member: &workspacev1.RemoveMemberRequest_UserId{UserId: ada.ID},
	}))
	servertest.WantCode(t, err, connect.CodeFailedPrecondition, "LAST_OWNER")
	// With a second owner, the first may step down.
	_, err = c.Workspaces.UpdateMember(ctx, connect.NewRequest(&workspacev1.UpdateMemberRequest{
		WorkspaceId: ws, Member: &workspacev1.UpdateMemberRequest_Email{Email: bob.Email}, Role: commonv1.Role_ROLE_OWNER,
	}))
	servertest.NoErr(t, err)
	_, err = c.Workspaces.RemoveMember(ctx, connect.NewRequest(&workspacev1.RemoveMemberRequest{
		WorkspaceId: ws, Member: &workspacev1.RemoveMemberRequest_UserId{UserId: ada.ID},
	}))
	servertest.NoErr(t, err)
	_, err = c.Workspaces.GetWorkspace(ctx, connect.NewRequest(&workspacev1.GetWorkspaceRequest{WorkspaceId: ws}))
	servertest.WantCode(t, err, connect.CodeNotFound, "NOT_FOUND")

	// Tokens: create, use, list, revoke.
	nt, err := c.Auth.CreateToken(ctx, connect.NewRequest(&authv1.CreateTokenRequest{
		Name: "reader", Scopes: []string{"workspaces:read"}, WorkspaceIds: []string{created[1]},
	}))
	servertest.NoErr(t, err)
	rc := env.Clients(p, nt.Msg.GetSecret())
	list, err := rc.Workspaces.ListWorkspaces(ctx, connect.NewRequest(&workspacev1.ListWorkspacesRequest{}))
	servertest.NoErr(t, err)
	if ws := list.Msg.GetWorkspaces(); len(ws) != 1 || ws[0].GetId() != created[1] {
		t.Fatalf("restricted token lists %v; want only %s", ws, created[1])
	}
	_, err = rc.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "nope"}))
	servertest.WantCode(t, err, connect.CodePermissionDenied, "MISSING_SCOPE")
	tokens, err := c.Auth.ListTokens(ctx, connect.NewRequest(&authv1.ListTokensRequest{}))
	servertest.NoErr(t, err)
	if len(tokens.Msg.GetTokens()) != 2 || tokens.Msg.GetTokens()[0].GetId() != nt.Msg.GetToken().GetId() {
		t.Fatalf("ListTokens = %v; want the new token first of 2", tokens.Msg.GetTokens())
	}
	_, err = c.Auth.RevokeToken(ctx, connect.NewRequest(&authv1.RevokeTokenRequest{TokenId: nt.Msg.GetToken().GetId()}))
	servertest.NoErr(t, err)
	_, err = rc.Workspaces.ListWorkspaces(ctx, connect.NewRequest(&workspacev1.ListWorkspacesRequest{}))
	servertest.WantCode(t, err, connect.CodeUnauthenticated, "INVALID_CREDENTIALS")

	// Delete a workspace.
	_, err = c.Workspaces.DeleteWorkspace(ctx, connect.NewRequest(&workspacev1.DeleteWorkspaceRequest{WorkspaceId: created[2]}))
	servertest.NoErr(t, err)
	_, err = c.Workspaces.GetWorkspace(ctx, connect.NewRequest(&workspacev1.GetWorkspaceRequest{WorkspaceId: created[2]}))
	servertest.WantCode(t, err, connect.CodeNotFound)
}
