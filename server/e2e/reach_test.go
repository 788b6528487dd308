package e2e_test

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"

	authv1 "github.com/pyairtable/pyairtable/gen/pyairtable/auth/v1"
	commonv1 "github.com/pyairtable/pyairtable/gen/pyairtable/common/v1"
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/auth"
	"github.com/pyairtable/pyairtable/server/servertest"
)

// TestRestrictedTokenStaysInReach: a token limited to one workspace sees
// nothing of its user's other workspaces: not their members, not broader
// tokens, and it creates no workspaces it could not reach.
func TestRestrictedTokenStaysInReach(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			env := servertest.Start(t, b)
			ada := env.NewUser(t, "ada@example.com")
			bob := env.NewUser(t, "bob@example.com")
			c := env.Clients(servertest.ConnectProto, ada.Token)
			mk := func(name string) string {
				w, err := c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: name}))
				servertest.NoErr(t, err)
				return w.Msg.GetWorkspace().GetId()
			}
			w1, w2 := mk("W1"), mk("W2")
			_, err := c.Workspaces.AddMember(ctx, connect.NewRequest(&workspacev1.AddMemberRequest{WorkspaceId: w1, Email: bob.Email, Role: commonv1.Role_ROLE_EDITOR}))
			servertest.NoErr(t, err)

			limited := env.NewToken(t, ada.ID, auth.NewToken{Name: "w2", Scopes: access.AllScopes, WorkspaceIDs: []string{w2}})
			lc := env.Clients(servertest.ConnectProto, limited)
			before := servertest.Snapshot(t, env.Server.DB)

			// Bob shares only W1 with Ada: out of this token's reach, even for an administrator.
			_, err = lc.Users.GetUser(ctx, connect.NewRequest(&userv1.GetUserRequest{UserId: bob.ID}))
			servertest.WantCode(t, err, connect.CodeNotFound)
			_, err = lc.Users.DeactivateUser(ctx, connect.NewRequest(&userv1.DeactivateUserRequest{UserId: bob.ID}))
			servertest.WantCode(t, err, connect.CodeNotFound)
			_, err = lc.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "escape"}))
			servertest.WantCode(t, err, connect.CodePermissionDenied, "TOKEN_RESTRICTED")
			// The unrestricted token is neither listed nor revocable.
			list, err := lc.Auth.ListTokens(ctx, connect.NewRequest(&authv1.ListTokensRequest{}))
			servertest.NoErr(t, err)
			if n := len(list.Msg.GetTokens()); n != 1 || list.Msg.GetTokens()[0].GetWorkspaceIds()[0] != w2 {
				t.Fatalf("restricted token lists %v; want only itself", list.Msg.GetTokens())
			}
			_, err = lc.Auth.RevokeToken(ctx, connect.NewRequest(&authv1.RevokeTokenRequest{TokenId: ada.Token[:17]}))
			servertest.WantCode(t, err, connect.CodeNotFound)
			if after := servertest.Snapshot(t, env.Server.DB); after != before {
				t.Fatal("refused calls changed storage")
			}
			// The unrestricted token still sees Bob.
			_, err = c.Users.GetUser(ctx, connect.NewRequest(&userv1.GetUserRequest{UserId: bob.ID}))
			servertest.NoErr(t, err)
		})
	}
}

// TestDeactivatedOwnerDoesNotCount: a workspace keeps an active owner.
func TestDeactivatedOwnerDoesNotCount(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			env := servertest.Start(t, b)
			admin := env.NewUser(t, "admin@example.com")
			gone := env.NewUser(t, "gone@example.com")
			c := env.Clients(servertest.ConnectJSON, admin.Token)
			w, err := c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "W"}))
			servertest.NoErr(t, err)
			ws := w.Msg.GetWorkspace().GetId()
			_, err = c.Workspaces.AddMember(ctx, connect.NewRequest(&workspacev1.AddMemberRequest{WorkspaceId: ws, Email: gone.Email, Role: commonv1.Role_ROLE_OWNER}))
			servertest.NoErr(t, err)
			_, err = c.Users.DeactivateUser(ctx, connect.NewRequest(&userv1.DeactivateUserRequest{UserId: gone.ID}))
			servertest.NoErr(t, err)
			_, err = c.Workspaces.UpdateMember(ctx, connect.NewRequest(&workspacev1.UpdateMemberRequest{
				WorkspaceId: ws, Member: &workspacev1.UpdateMemberRequest_UserId{UserId: admin.ID}, Role: commonv1.Role_ROLE_READER,
			}))
			servertest.WantCode(t, err, connect.CodeFailedPrecondition, "LAST_OWNER")
			_, err = c.Workspaces.RemoveMember(ctx, connect.NewRequest(&workspacev1.RemoveMemberRequest{
				WorkspaceId: ws, Member: &workspacev1.RemoveMemberRequest_UserId{UserId: admin.ID},
			}))
			servertest.WantCode(t, err, connect.CodeFailedPrecondition, "LAST_OWNER")
		})
	}
}

// TestCredentialsComeBeforeValidation: without credentials, an invalid
// request is UNAUTHENTICATED, not a lesson in the input rules.
func TestCredentialsComeBeforeValidation(t *testing.T) {
	env := servertest.Start(t, servertest.Backends[0])
	_, err := env.Clients(servertest.ConnectJSON, "").Workspaces.CreateWorkspace(context.Background(),
		connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: ""}))
	servertest.WantCode(t, err, connect.CodeUnauthenticated, "UNAUTHENTICATED")
}

// TestBaseLimitedTokenStaysInItsWorkspace: a token limited to one base
// reads that base's workspace, changes no workspace, and reaches nothing
// else of its (administrator) user.
func TestBaseLimitedTokenStaysInItsWorkspace(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			env := servertest.Start(t, b)
			ada := env.NewUser(t, "ada@example.com")
			bob := env.NewUser(t, "bob@example.com")
			c := env.Clients(servertest.ConnectProto, ada.Token)
			mk := func(name string) string {
				w, err := c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: name}))
				servertest.NoErr(t, err)
				return w.Msg.GetWorkspace().GetId()
			}
			w1, w2 := mk("W1"), mk("W2")
			base, err := c.Bases.CreateBase(ctx, connect.NewRequest(&tablev1.CreateBaseRequest{WorkspaceId: w1, Name: "B1"}))
			servertest.NoErr(t, err)
			limited := env.NewToken(t, ada.ID, auth.NewToken{Name: "b1", Scopes: access.AllScopes, BaseIDs: []string{base.Msg.GetBase().GetId()}})
			lc := env.Clients(servertest.ConnectProto, limited)
			before := servertest.Snapshot(t, env.Server.DB)

			_, err = lc.Workspaces.AddMember(ctx, connect.NewRequest(&workspacev1.AddMemberRequest{WorkspaceId: w2, Email: "mallory@example.com", Role: commonv1.Role_ROLE_OWNER}))
			servertest.WantCode(t, err, connect.CodeNotFound)
			_, err = lc.Workspaces.AddMember(ctx, connect.NewRequest(&workspacev1.AddMemberRequest{WorkspaceId: w1, Email: "mallory@example.com", Role: commonv1.Role_ROLE_OWNER}))
			servertest.WantCode(t, err, connect.CodePermissionDenied, "TOKEN_RESTRICTED")
			_, err = lc.Workspaces.DeleteWorkspace(ctx, connect.NewRequest(&workspacev1.DeleteWorkspaceRequest{WorkspaceId: w2}))
			servertest.WantCode(t, err, connect.CodeNotFound)
			_, err = lc.Users.DeactivateUser(ctx, connect.NewRequest(&userv1.DeactivateUserRequest{UserId: bob.ID}))
			servertest.WantCode(t, err, connect.CodeNotFound)
			_, err = lc.Auth.ListSessions(ctx, connect.NewRequest(&authv1.ListSessionsRequest{}))
			servertest.WantCode(t, err, connect.CodePermissionDenied, "TOKEN_RESTRICTED")
			list, err := lc.Workspaces.ListWorkspaces(ctx, connect.NewRequest(&workspacev1.ListWorkspacesRequest{}))
			servertest.NoErr(t, err)
			if ws := list.Msg.GetWorkspaces(); len(ws) != 1 || ws[0].GetId() != w1 {
				t.Fatalf("base-limited token lists %v; want only W1", ws)
			}
			_, err = lc.Workspaces.GetWorkspace(ctx, connect.NewRequest(&workspacev1.GetWorkspaceRequest{WorkspaceId: w1}))
			servertest.NoErr(t, err)
			if after := servertest.Snapshot(t, env.Server.DB); after != before {
				t.Fatal("refused calls changed storage")
			}
		})
	}
}

// TestTokenSecretIsNeverStored: a retried CreateToken returns the token
// without its secret, which no request record holds.
func TestTokenSecretIsNeverStored(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Backends[0])
	ada := env.NewUser(t, "ada@example.com")
	c := env.Clients(servertest.ConnectJSON, ada.Token)
	req := &authv1.CreateTokenRequest{Name: "ci", Scopes: []string{"workspaces:read"}, RequestId: "tok-1"}
	first, err := c.Auth.CreateToken(ctx, connect.NewRequest(req))
	servertest.NoErr(t, err)
	secret := first.Msg.GetSecret()
	if secret == "" {
		t.Fatal("the first response has no secret")
	}
	again, err := c.Auth.CreateToken(ctx, connect.NewRequest(req))
	servertest.NoErr(t, err)
	if again.Msg.GetSecret() != "" || again.Msg.GetToken().GetId() != first.Msg.GetToken().GetId() {
		t.Fatalf("retry = %v; want the same token without its secret", again.Msg)
	}
	var stored [][]byte
	servertest.NoErr(t, env.Server.DB.NewSelect().Table("idempotency_records").Column("response").Scan(ctx, &stored))
	for _, raw := range stored {
		if strings.Contains(string(raw), secret[18:]) {
			t.Fatal("a request record holds the token's secret")
		}
	}
}
