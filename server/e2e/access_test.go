package e2e_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	authv1 "github.com/pyairtable/pyairtable/gen/pyairtable/auth/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/auth/v1/authv1connect"
	commonv1 "github.com/pyairtable/pyairtable/gen/pyairtable/common/v1"
	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/data/v1/datav1connect"
	operationv1 "github.com/pyairtable/pyairtable/gen/pyairtable/operation/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/operation/v1/operationv1connect"
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/table/v1/tablev1connect"
	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/user/v1/userv1connect"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1/workspacev1connect"
	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/api"
	"github.com/pyairtable/pyairtable/server/auth"
	"github.com/pyairtable/pyairtable/server/config"
	"github.com/pyairtable/pyairtable/server/servertest"
)

// accCaller is who makes a call: clients that send the caller's credentials,
// and the user those credentials belong to (a valid UpdateUser names the
// caller itself).
type accCaller struct {
	servertest.Clients
	UserID string
}

// accFixture holds the callers of the access table and the objects its
// valid calls act on.
type accFixture struct {
	env *servertest.Env

	// W is the workspace the calls name; W2 is another workspace.
	W, W2 string
	// admin is the instance administrator (the first user), owner of W and
	// W2, with a token holding every scope.
	admin servertest.User
	// members holds one member of W for each role, each with every scope.
	members map[access.Role]servertest.User
	// outsider is a reader of W2 and no member of W, with every scope.
	outsider servertest.User

	// Credentials that stopped working, of callers otherwise allowed.
	revoked     string // the administrator's, revoked through the API
	expired     string // the administrator's, past its expiry
	deactivated string // an owner of W, deactivated through the API
	goneID      string // the deactivated user

	// w2Only is an administrator token with every scope, limited to W2.
	w2Only string
	// lacking maps each scope to an administrator token holding every
	// other scope.
	lacking map[string]string

	// Objects only the allowed calls consume: refused calls change nothing.
	victim     servertest.User // a user to deactivate
	spareToken string          // a token of outsider's, to revoke

	// Schema objects in W: a base with a table, and spares the allowed
	// calls consume.
	base, otherBase, spareBase, deletedBase string
	table, spareTable, deletedTable         string
	field, spareField                       string
	// view is a grid view of table to read and change; spareView one to delete.
	view, spareView string
	// record is a record of table to read and change; spareRecord one to
	// delete; trashedRecord one in the trash, to restore.
	record, spareRecord, trashedRecord string
	spareIndex, operation, version     string
	// otherBaseOnly is an administrator token limited to otherBase.
	otherBaseOnly string
	session       string          // a session of outsider's, to read
	spareSess     string          // a session of outsider's, to end
	movable       servertest.User // a reader of W whose role changes
	removable     servertest.User // a reader of W to remove
	invitee       string          // an email no user has, to invite to W
}

// as returns a caller using the token ("" sends no credentials).
func (f *accFixture) as(userID, token string) accCaller {
	return accCaller{Clients: f.env.Clients(servertest.ConnectProto, token), UserID: userID}
}

// accCalls makes one valid call of every RPC the server serves, keyed by
// procedure. TestAccessTable fails when an RPC has no entry here.
var accCalls = map[string]func(ctx context.Context, c accCaller, f *accFixture) error{
	userv1connect.UserServiceGetCurrentUserProcedure: func(ctx context.Context, c accCaller, _ *accFixture) error {
		return accErr(c.Users.GetCurrentUser(ctx, connect.NewRequest(&userv1.GetCurrentUserRequest{})))
	},
	userv1connect.UserServiceGetUserProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Users.GetUser(ctx, connect.NewRequest(&userv1.GetUserRequest{UserId: f.admin.ID})))
	},
	userv1connect.UserServiceUpdateUserProcedure: func(ctx context.Context, c accCaller, _ *accFixture) error {
		return accErr(c.Users.UpdateUser(ctx, connect.NewRequest(&userv1.UpdateUserRequest{
			UserId: c.UserID, DisplayName: proto.String("Renamed"),
		})))
	},
	userv1connect.UserServiceDeactivateUserProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Users.DeactivateUser(ctx, connect.NewRequest(&userv1.DeactivateUserRequest{UserId: f.victim.ID})))
	},

	tablev1connect.BaseServiceCreateBaseProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Bases.CreateBase(ctx, connect.NewRequest(&tablev1.CreateBaseRequest{WorkspaceId: f.W, Name: "New base"})))
	},
	tablev1connect.BaseServiceGetBaseProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Bases.GetBase(ctx, connect.NewRequest(&tablev1.GetBaseRequest{BaseId: f.base})))
	},
	tablev1connect.BaseServiceListBasesProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Bases.ListBases(ctx, connect.NewRequest(&tablev1.ListBasesRequest{WorkspaceId: f.W})))
	},
	tablev1connect.BaseServiceUpdateBaseProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Bases.UpdateBase(ctx, connect.NewRequest(&tablev1.UpdateBaseRequest{BaseId: f.base, Name: proto.String("Renamed")})))
	},
	tablev1connect.BaseServiceDeleteBaseProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Bases.DeleteBase(ctx, connect.NewRequest(&tablev1.DeleteBaseRequest{BaseId: f.spareBase})))
	},
	tablev1connect.BaseServiceRestoreBaseProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Bases.RestoreBase(ctx, connect.NewRequest(&tablev1.RestoreBaseRequest{BaseId: f.deletedBase})))
	},
	tablev1connect.TableServiceCreateTableProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{BaseId: f.base, Name: "New table",
			Fields: []*tablev1.FieldSpec{{Name: "Name", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT}}})))
	},
	tablev1connect.TableServiceGetTableProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Tables.GetTable(ctx, connect.NewRequest(&tablev1.GetTableRequest{TableId: f.table})))
	},
	tablev1connect.TableServiceListTablesProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Tables.ListTables(ctx, connect.NewRequest(&tablev1.ListTablesRequest{BaseId: f.base})))
	},
	tablev1connect.TableServiceUpdateTableProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Tables.UpdateTable(ctx, connect.NewRequest(&tablev1.UpdateTableRequest{TableId: f.table, Description: proto.String("About")})))
	},
	tablev1connect.TableServiceDeleteTableProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Tables.DeleteTable(ctx, connect.NewRequest(&tablev1.DeleteTableRequest{TableId: f.spareTable})))
	},
	tablev1connect.TableServiceRestoreTableProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Tables.RestoreTable(ctx, connect.NewRequest(&tablev1.RestoreTableRequest{TableId: f.deletedTable})))
	},
	tablev1connect.TableServiceCreateFieldProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Tables.CreateField(ctx, connect.NewRequest(&tablev1.CreateFieldRequest{TableId: f.table,
			Field: &tablev1.FieldSpec{Name: "Extra", Type: tablev1.FieldType_FIELD_TYPE_NUMBER}})))
	},
	tablev1connect.TableServiceUpdateFieldProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{TableId: f.table, FieldId: f.field, Name: proto.String("Notes 2")})))
	},
	datav1connect.RecordServiceCreateRecordsProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{TableId: f.table,
			Records: []*datav1.RecordInput{{Fields: map[string]*structpb.Value{f.field: structpb.NewStringValue("new")}}}})))
	},
	datav1connect.RecordServiceGetRecordProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Records.GetRecord(ctx, connect.NewRequest(&datav1.GetRecordRequest{TableId: f.table, RecordId: f.record})))
	},
	datav1connect.RecordServiceListRecordsProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Records.ListRecords(ctx, connect.NewRequest(&datav1.ListRecordsRequest{TableId: f.table})))
	},
	datav1connect.RecordServiceCountRecordsProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Records.CountRecords(ctx, connect.NewRequest(&datav1.CountRecordsRequest{TableId: f.table})))
	},
	datav1connect.RecordServiceUpdateRecordsProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Records.UpdateRecords(ctx, connect.NewRequest(&datav1.UpdateRecordsRequest{TableId: f.table,
			Records: []*datav1.RecordUpdate{{Id: f.record, Fields: map[string]*structpb.Value{f.field: structpb.NewStringValue("changed")}}}})))
	},
	datav1connect.RecordServiceDeleteRecordsProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Records.DeleteRecords(ctx, connect.NewRequest(&datav1.DeleteRecordsRequest{TableId: f.table,
			Records: []*datav1.RecordRef{{Id: f.spareRecord}}})))
	},
	datav1connect.RecordServiceRestoreRecordsProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Records.RestoreRecords(ctx, connect.NewRequest(&datav1.RestoreRecordsRequest{TableId: f.table,
			RecordIds: []string{f.trashedRecord}})))
	},
	tablev1connect.ViewServiceCreateViewProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Views.CreateView(ctx, connect.NewRequest(&tablev1.CreateViewRequest{TableId: f.table, Name: "New view", Kind: tablev1.ViewKind_VIEW_KIND_GRID})))
	},
	tablev1connect.ViewServiceGetViewProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Views.GetView(ctx, connect.NewRequest(&tablev1.GetViewRequest{TableId: f.table, ViewId: f.view})))
	},
	tablev1connect.ViewServiceListViewsProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Views.ListViews(ctx, connect.NewRequest(&tablev1.ListViewsRequest{TableId: f.table})))
	},
	tablev1connect.ViewServiceUpdateViewProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Views.UpdateView(ctx, connect.NewRequest(&tablev1.UpdateViewRequest{TableId: f.table, ViewId: f.view, Name: proto.String("Renamed view")})))
	},
	tablev1connect.ViewServiceDeleteViewProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Views.DeleteView(ctx, connect.NewRequest(&tablev1.DeleteViewRequest{TableId: f.table, ViewId: f.spareView})))
	},
	tablev1connect.TableServiceDeleteFieldProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Tables.DeleteField(ctx, connect.NewRequest(&tablev1.DeleteFieldRequest{TableId: f.table, FieldId: f.spareField})))
	},
	tablev1connect.TableServiceListTableVersionsProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Tables.ListTableVersions(ctx, connect.NewRequest(&tablev1.ListTableVersionsRequest{TableId: f.table})))
	},
	tablev1connect.TableServiceGetTableVersionProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Tables.GetTableVersion(ctx, connect.NewRequest(&tablev1.GetTableVersionRequest{TableId: f.table, VersionId: f.version})))
	},
	tablev1connect.TableServiceRollbackTableProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Tables.RollbackTable(ctx, connect.NewRequest(&tablev1.RollbackTableRequest{TableId: f.table, VersionId: f.version})))
	},
	tablev1connect.TableServiceCreateIndexProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Tables.CreateIndex(ctx, connect.NewRequest(&tablev1.CreateIndexRequest{TableId: f.table, Fields: []string{f.field}})))
	},
	tablev1connect.TableServiceListIndexesProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Tables.ListIndexes(ctx, connect.NewRequest(&tablev1.ListIndexesRequest{TableId: f.table})))
	},
	tablev1connect.TableServiceDeleteIndexProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Tables.DeleteIndex(ctx, connect.NewRequest(&tablev1.DeleteIndexRequest{TableId: f.table, IndexId: f.spareIndex})))
	},
	operationv1connect.OperationServiceGetOperationProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Operations.GetOperation(ctx, connect.NewRequest(&operationv1.GetOperationRequest{TableId: f.table, OperationId: f.operation})))
	},
	operationv1connect.OperationServiceListOperationsProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Operations.ListOperations(ctx, connect.NewRequest(&operationv1.ListOperationsRequest{TableId: f.table})))
	},
	authv1connect.AuthServiceGetSessionProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Auth.GetSession(ctx, connect.NewRequest(&authv1.GetSessionRequest{SessionId: f.session})))
	},
	authv1connect.AuthServiceListSessionsProcedure: func(ctx context.Context, c accCaller, _ *accFixture) error {
		return accErr(c.Auth.ListSessions(ctx, connect.NewRequest(&authv1.ListSessionsRequest{})))
	},
	authv1connect.AuthServiceRevokeSessionProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Auth.RevokeSession(ctx, connect.NewRequest(&authv1.RevokeSessionRequest{SessionId: f.spareSess})))
	},
	authv1connect.AuthServiceRevokeAllSessionsProcedure: func(ctx context.Context, c accCaller, _ *accFixture) error {
		return accErr(c.Auth.RevokeAllSessions(ctx, connect.NewRequest(&authv1.RevokeAllSessionsRequest{})))
	},
	authv1connect.AuthServiceCreateTokenProcedure: func(ctx context.Context, c accCaller, _ *accFixture) error {
		return accErr(c.Auth.CreateToken(ctx, connect.NewRequest(&authv1.CreateTokenRequest{
			Name: "made by the access table", Scopes: []string{access.ScopeTokensManage},
		})))
	},
	authv1connect.AuthServiceListTokensProcedure: func(ctx context.Context, c accCaller, _ *accFixture) error {
		return accErr(c.Auth.ListTokens(ctx, connect.NewRequest(&authv1.ListTokensRequest{})))
	},
	authv1connect.AuthServiceRevokeTokenProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Auth.RevokeToken(ctx, connect.NewRequest(&authv1.RevokeTokenRequest{TokenId: f.spareToken})))
	},

	workspacev1connect.WorkspaceServiceCreateWorkspaceProcedure: func(ctx context.Context, c accCaller, _ *accFixture) error {
		return accErr(c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "Made"})))
	},
	workspacev1connect.WorkspaceServiceGetWorkspaceProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Workspaces.GetWorkspace(ctx, connect.NewRequest(&workspacev1.GetWorkspaceRequest{WorkspaceId: f.W})))
	},
	workspacev1connect.WorkspaceServiceListWorkspacesProcedure: func(ctx context.Context, c accCaller, _ *accFixture) error {
		return accErr(c.Workspaces.ListWorkspaces(ctx, connect.NewRequest(&workspacev1.ListWorkspacesRequest{})))
	},
	workspacev1connect.WorkspaceServiceUpdateWorkspaceProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Workspaces.UpdateWorkspace(ctx, connect.NewRequest(&workspacev1.UpdateWorkspaceRequest{
			WorkspaceId: f.W, Description: proto.String("changed"),
		})))
	},
	workspacev1connect.WorkspaceServiceDeleteWorkspaceProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Workspaces.DeleteWorkspace(ctx, connect.NewRequest(&workspacev1.DeleteWorkspaceRequest{WorkspaceId: f.W})))
	},
	workspacev1connect.WorkspaceServiceListMembersProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Workspaces.ListMembers(ctx, connect.NewRequest(&workspacev1.ListMembersRequest{WorkspaceId: f.W})))
	},
	workspacev1connect.WorkspaceServiceAddMemberProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Workspaces.AddMember(ctx, connect.NewRequest(&workspacev1.AddMemberRequest{
			WorkspaceId: f.W, Email: f.invitee, Role: commonv1.Role_ROLE_READER,
		})))
	},
	workspacev1connect.WorkspaceServiceUpdateMemberProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Workspaces.UpdateMember(ctx, connect.NewRequest(&workspacev1.UpdateMemberRequest{
			WorkspaceId: f.W, Member: &workspacev1.UpdateMemberRequest_UserId{UserId: f.movable.ID}, Role: commonv1.Role_ROLE_COMMENTER,
		})))
	},
	workspacev1connect.WorkspaceServiceRemoveMemberProcedure: func(ctx context.Context, c accCaller, f *accFixture) error {
		return accErr(c.Workspaces.RemoveMember(ctx, connect.NewRequest(&workspacev1.RemoveMemberRequest{
			WorkspaceId: f.W, Member: &workspacev1.RemoveMemberRequest_UserId{UserId: f.removable.ID},
		})))
	},
}

// accRunLast lists the procedures whose allowed call destroys the fixture,
// so it runs after every other allowed call.
var accRunLast = map[string]bool{
	workspacev1connect.WorkspaceServiceDeleteWorkspaceProcedure: true,
}

// accBeforeAllowed prepares the allowed call of some RPCs.
var accBeforeAllowed = map[string]func(t *testing.T, f *accFixture){
	// A workspace can go once its bases are deleted (they go with it).
	workspacev1connect.WorkspaceServiceDeleteWorkspaceProcedure: func(t *testing.T, f *accFixture) {
		ctx := context.Background()
		admin := f.as(f.admin.ID, f.admin.Token)
		live, err := admin.Bases.ListBases(ctx, connect.NewRequest(&tablev1.ListBasesRequest{WorkspaceId: f.W}))
		servertest.NoErr(t, err)
		for _, b := range live.Msg.GetBases() {
			_, err := admin.Bases.DeleteBase(ctx, connect.NewRequest(&tablev1.DeleteBaseRequest{BaseId: b.GetId()}))
			servertest.NoErr(t, err)
		}
	},
}

func accErr[T any](_ *connect.Response[T], err error) error { return err }

// accScenario is one refused call: who calls, and the code and reason the
// server must answer.
type accScenario struct {
	name   string
	caller accCaller
	code   connect.Code
	reason string
}

// refusals derives from a rule the callers it must refuse. A caller
// without credentials still names a user, so that requests naming the
// caller stay valid and the refusal is about access, not input.
func (f *accFixture) refusals(r access.Rule) []accScenario {
	if r.Public {
		return nil
	}
	unauthenticated := connect.CodeUnauthenticated
	s := []accScenario{
		{"no_token", f.as(f.admin.ID, ""), unauthenticated, "UNAUTHENTICATED"},
		{"revoked_token", f.as(f.admin.ID, f.revoked), unauthenticated, "INVALID_CREDENTIALS"},
		{"expired_token", f.as(f.admin.ID, f.expired), unauthenticated, "INVALID_CREDENTIALS"},
		{"deactivated_user", f.as(f.goneID, f.deactivated), unauthenticated, "INVALID_CREDENTIALS"},
	}
	if r.Scope != "" {
		s = append(s, accScenario{"missing_scope", f.as(f.admin.ID, f.lacking[r.Scope]),
			connect.CodePermissionDenied, "MISSING_SCOPE"})
	}
	if r.Admin {
		owner := f.members[access.RoleOwner]
		s = append(s, accScenario{"not_admin", f.as(owner.ID, owner.Token),
			connect.CodePermissionDenied, "ADMIN_REQUIRED"})
	}
	if r.BaseField != "" || r.TableField != "" {
		s = append(s, accScenario{"token_for_other_base", f.as(f.admin.ID, f.otherBaseOnly),
			connect.CodeNotFound, "NOT_FOUND"})
	}
	if accScoped(r) {
		s = append(s, accScenario{"token_for_other_workspace", f.as(f.admin.ID, f.w2Only),
			connect.CodeNotFound, "NOT_FOUND"})
		// For an administrators-only call, non-administrators are refused
		// as such (not_admin) before their role is looked at.
		if !r.Admin {
			s = append(s, accScenario{"non_member", f.as(f.outsider.ID, f.outsider.Token),
				connect.CodeNotFound, "NOT_FOUND"})
			if r.Role > access.RoleReader {
				below := f.members[r.Role-1]
				s = append(s, accScenario{"role_" + (r.Role - 1).String(), f.as(below.ID, below.Token),
					connect.CodePermissionDenied, "ROLE_TOO_LOW"})
			}
		}
	}
	return s
}

// leastAllowed returns the least privileged caller the rule allows: no
// credentials for a public call; otherwise a token holding only the rule's
// scope (none when it names none), of the administrator when the rule
// needs one, of a member with exactly the rule's role when it is about a
// workspace, and of a user with no special rights otherwise.
func (f *accFixture) leastAllowed(t *testing.T, r access.Rule) (accCaller, string) {
	t.Helper()
	if r.Public {
		return f.as(f.admin.ID, ""), "a caller without credentials"
	}
	var u servertest.User
	var who string
	switch {
	case r.Admin:
		u, who = f.admin, "the administrator"
	case accScoped(r):
		u, who = f.members[r.Role], "the "+r.Role.String()+" of W"
	default:
		u, who = f.outsider, "a user who is no administrator and no member of W"
	}
	var scopes []string
	if r.Scope != "" {
		scopes = []string{r.Scope}
	}
	token := f.env.NewToken(t, u.ID, auth.NewToken{Name: "least privilege", Scopes: scopes})
	return f.as(u.ID, token), fmt.Sprintf("%s, with a token holding only %q", who, scopes)
}

// accRules returns the rule of every RPC the server serves, and fails the
// test unless accCalls has a valid call for exactly those RPCs.
func accRules(t *testing.T) []access.Rule {
	t.Helper()
	var rules []access.Rule
	declared := map[string]bool{}
	for _, svc := range api.Services {
		rs, err := access.RulesOf(svc)
		if err != nil {
			t.Fatalf("rules of %s: %v", svc, err)
		}
		for _, r := range rs {
			declared[r.Procedure] = true
			if accCalls[r.Procedure] == nil {
				t.Errorf("%s is declared but accCalls has no valid call for it: add one", r.Procedure)
			}
		}
		rules = append(rules, rs...)
	}
	for p := range accCalls {
		if !declared[p] {
			t.Errorf("accCalls has a call for %s, which no mounted service declares", p)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	if len(rules) == 0 {
		t.Fatal("no access rules found")
	}
	return rules
}

// accScoped reports whether a rule is about one workspace (named directly,
// or through a base or table).
func accScoped(r access.Rule) bool {
	return r.WorkspaceField != "" || r.BaseField != "" || r.TableField != ""
}

// accMethod is a rule's method name, such as "GetWorkspace".
func accMethod(r access.Rule) string {
	return r.Procedure[strings.LastIndex(r.Procedure, "/")+1:]
}

// TestAccessTable checks every RPC's access declaration against the running
// server: each caller the declaration must refuse is refused with the right
// code and changes nothing, and the least privileged caller it allows
// succeeds.
func TestAccessTable(t *testing.T) {
	rules := accRules(t)
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f := accNewFixture(t, b)
			ctx := context.Background()
			db := f.env.Server.DB

			refused := 0
			for _, r := range rules {
				call := accCalls[r.Procedure]
				for _, sc := range f.refusals(r) {
					refused++
					t.Run(accMethod(r)+"/"+sc.name, func(t *testing.T) {
						before := servertest.Snapshot(t, db)
						err := call(ctx, sc.caller, f)
						servertest.WantCode(t, err, sc.code, sc.reason)
						accSameSnapshot(t, before, servertest.Snapshot(t, db))
					})
				}
			}

			allowed := slices.Clone(rules)
			slices.SortStableFunc(allowed, func(a, b access.Rule) int {
				switch {
				case accRunLast[a.Procedure] == accRunLast[b.Procedure]:
					return 0
				case accRunLast[a.Procedure]:
					return 1
				default:
					return -1
				}
			})
			for _, r := range allowed {
				t.Run(accMethod(r)+"/allowed", func(t *testing.T) {
					c, who := f.leastAllowed(t, r)
					if before := accBeforeAllowed[r.Procedure]; before != nil {
						before(t, f)
					}
					if err := accCalls[r.Procedure](ctx, c, f); err != nil {
						t.Fatalf("%s was refused to %s: %v", r.Procedure, who, err)
					}
				})
			}
			t.Logf("%d procedures: %d refused calls, %d allowed calls", len(rules), refused, len(allowed))
		})
	}
}

// accNewFixture starts a server on the backend and builds the fixture
// through the API wherever the API can. Rate limits are off: the table
// makes many unauthenticated calls from one address on purpose.
func accNewFixture(t *testing.T, b servertest.Backend) *accFixture {
	t.Helper()
	env := servertest.Start(t, b, func(c *config.Config) {
		c.RateLimit = 0
		c.AnonRateLimit = 0
	})
	ctx := context.Background()
	f := &accFixture{
		env:     env,
		members: map[access.Role]servertest.User{},
		lacking: map[string]string{},
		invitee: "invitee@example.com",
	}
	f.admin = env.NewUser(t, "admin@example.com")
	admin := f.as(f.admin.ID, f.admin.Token)
	if me := accCurrentUser(t, admin); !me.GetAdmin() {
		t.Fatalf("the first user is not an administrator: %v", me)
	}
	f.W = accCreateWorkspace(t, admin, "W")
	f.W2 = accCreateWorkspace(t, admin, "W2")

	for r := access.RoleReader; r <= access.RoleOwner; r++ {
		u := env.NewUser(t, r.String()+"@example.com")
		accAddMember(t, admin, f.W, u.Email, r)
		f.members[r] = u
	}
	f.outsider = env.NewUser(t, "outsider@example.com")
	accAddMember(t, admin, f.W2, f.outsider.Email, access.RoleReader)

	// A revoked token: used once, so that servers have it cached, then
	// revoked through the API.
	f.revoked = env.NewToken(t, f.admin.ID, auth.NewToken{Name: "revoked", Scopes: access.AllScopes})
	accCurrentUser(t, f.as(f.admin.ID, f.revoked))
	_, err := admin.Auth.RevokeToken(ctx, connect.NewRequest(&authv1.RevokeTokenRequest{TokenId: accTokenID(f.revoked)}))
	servertest.NoErr(t, err)

	// An expired token: its expiry is moved into the past before it is
	// ever used, so no server has it cached.
	later := time.Now().Add(time.Hour)
	f.expired = env.NewToken(t, f.admin.ID, auth.NewToken{Name: "expired", Scopes: access.AllScopes, ExpiresAt: &later})
	res, err := env.Server.DB.NewUpdate().Table("tokens").
		Set("expires_at = ?", time.Now().Add(-time.Hour).UTC()).
		Where("id = ?", accTokenID(f.expired)).Exec(ctx)
	servertest.NoErr(t, err)
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("expiring the token changed %d rows; want 1", n)
	}

	// A deactivated owner of W: the token works (and is cached), then an
	// administrator deactivates the user through the API.
	gone := env.NewUser(t, "gone@example.com")
	accAddMember(t, admin, f.W, gone.Email, access.RoleOwner)
	accCurrentUser(t, f.as(gone.ID, gone.Token))
	_, err = admin.Users.DeactivateUser(ctx, connect.NewRequest(&userv1.DeactivateUserRequest{UserId: gone.ID}))
	servertest.NoErr(t, err)
	f.deactivated, f.goneID = gone.Token, gone.ID

	f.w2Only = env.NewToken(t, f.admin.ID, auth.NewToken{Name: "W2 only", Scopes: access.AllScopes, WorkspaceIDs: []string{f.W2}})
	_, err = f.as(f.admin.ID, f.w2Only).Workspaces.GetWorkspace(ctx, connect.NewRequest(&workspacev1.GetWorkspaceRequest{WorkspaceId: f.W2}))
	servertest.NoErr(t, err)

	for _, s := range access.AllScopes {
		others := slices.DeleteFunc(slices.Clone(access.AllScopes), func(o string) bool { return o == s })
		f.lacking[s] = env.NewToken(t, f.admin.ID, auth.NewToken{Name: "lacks " + s, Scopes: others})
	}

	f.victim = env.NewUser(t, "victim@example.com")
	f.spareToken = accTokenID(env.NewToken(t, f.outsider.ID, auth.NewToken{Name: "spare", Scopes: []string{access.ScopeUsersRead}}))
	for _, id := range []*string{&f.session, &f.spareSess} {
		sess, _, err := env.Server.Tokens.CreateSession(ctx, env.Server.DB, f.outsider.ID, "test", "127.0.0.1")
		servertest.NoErr(t, err)
		*id = sess.ID
	}
	accSchema(t, f, admin)
	f.movable = env.NewUser(t, "movable@example.com")
	accAddMember(t, admin, f.W, f.movable.Email, access.RoleReader)
	f.removable = env.NewUser(t, "removable@example.com")
	accAddMember(t, admin, f.W, f.removable.Email, access.RoleReader)
	return f
}

func accCurrentUser(t *testing.T, c accCaller) *userv1.User {
	t.Helper()
	resp, err := c.Users.GetCurrentUser(context.Background(), connect.NewRequest(&userv1.GetCurrentUserRequest{}))
	servertest.NoErr(t, err)
	return resp.Msg.GetUser()
}

func accCreateWorkspace(t *testing.T, c accCaller, name string) string {
	t.Helper()
	resp, err := c.Workspaces.CreateWorkspace(context.Background(), connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: name}))
	servertest.NoErr(t, err)
	return resp.Msg.GetWorkspace().GetId()
}

func accAddMember(t *testing.T, c accCaller, workspaceID, email string, role access.Role) {
	t.Helper()
	resp, err := c.Workspaces.AddMember(context.Background(), connect.NewRequest(&workspacev1.AddMemberRequest{
		WorkspaceId: workspaceID, Email: email, Role: commonv1.Role(role),
	}))
	servertest.NoErr(t, err)
	if m := resp.Msg.GetMember(); m.GetState() != workspacev1.MemberState_MEMBER_STATE_ACTIVE || m.GetRole() != commonv1.Role(role) {
		t.Fatalf("AddMember(%s, %s) = %v; want an active %s", email, role, m, role)
	}
}

// accTokenID returns the id part of a token's secret.
func accTokenID(secret string) string {
	id, _, _ := strings.Cut(secret, ".")
	return id
}

// accSameSnapshot fails the test when storage changed, showing the rows
// that differ.
func accSameSnapshot(t *testing.T, before, after string) {
	t.Helper()
	if before == after {
		return
	}
	was := strings.Split(before, "\n")
	is := strings.Split(after, "\n")
	var diff strings.Builder
	for _, l := range was {
		if !slices.Contains(is, l) {
			fmt.Fprintf(&diff, "- %s\n", l)
		}
	}
	for _, l := range is {
		if !slices.Contains(was, l) {
			fmt.Fprintf(&diff, "+ %s\n", l)
		}
	}
	t.Fatalf("a refused call changed storage:\n%s", diff.String())
}

// TestTokenCannotMintBroaderToken checks that a token creates only tokens
// within its own scopes, workspaces and expiry, and that the narrower
// tokens it may create work for what they allow.
func TestTokenCannotMintBroaderToken(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			env := servertest.Start(t, b)
			ctx := context.Background()
			db := env.Server.DB
			owner := env.NewUser(t, "minter@example.com")
			clients := func(token string) accCaller {
				return accCaller{Clients: env.Clients(servertest.ConnectProto, token), UserID: owner.ID}
			}
			w := accCreateWorkspace(t, clients(owner.Token), "W")
			w2 := accCreateWorkspace(t, clients(owner.Token), "W2")

			refuse := func(t *testing.T, token string, req *authv1.CreateTokenRequest) {
				t.Helper()
				before := servertest.Snapshot(t, db)
				_, err := clients(token).Auth.CreateToken(ctx, connect.NewRequest(req))
				servertest.WantCode(t, err, connect.CodePermissionDenied, "TOKEN_REACH_EXCEEDED")
				accSameSnapshot(t, before, servertest.Snapshot(t, db))
			}
			create := func(t *testing.T, token string, req *authv1.CreateTokenRequest) *authv1.CreateTokenResponse {
				t.Helper()
				resp, err := clients(token).Auth.CreateToken(ctx, connect.NewRequest(req))
				servertest.NoErr(t, err)
				return resp.Msg
			}
			getWorkspace := func(c accCaller, id string) error {
				return accErr(c.Workspaces.GetWorkspace(ctx, connect.NewRequest(&workspacev1.GetWorkspaceRequest{WorkspaceId: id})))
			}
			listWorkspaces := func(t *testing.T, c accCaller) []string {
				t.Helper()
				resp, err := c.Workspaces.ListWorkspaces(ctx, connect.NewRequest(&workspacev1.ListWorkspacesRequest{}))
				servertest.NoErr(t, err)
				var got []string
				for _, ws := range resp.Msg.GetWorkspaces() {
					got = append(got, ws.GetId())
				}
				return got
			}
			renameWorkspace := func(c accCaller, id string) error {
				return accErr(c.Workspaces.UpdateWorkspace(ctx, connect.NewRequest(&workspacev1.UpdateWorkspaceRequest{
					WorkspaceId: id, Name: proto.String("Renamed"),
				})))
			}
			read := []string{access.ScopeWorkspacesRead}

			t.Run("scopes", func(t *testing.T) {
				minter := env.NewToken(t, owner.ID, auth.NewToken{Name: "read and manage",
					Scopes: []string{access.ScopeWorkspacesRead, access.ScopeTokensManage}})
				refuse(t, minter, &authv1.CreateTokenRequest{Name: "writer", Scopes: []string{access.ScopeWorkspacesWrite}})
				refuse(t, minter, &authv1.CreateTokenRequest{Name: "reader and writer",
					Scopes: []string{access.ScopeWorkspacesRead, access.ScopeWorkspacesWrite}})
				refuse(t, minter, &authv1.CreateTokenRequest{Name: "everything", Scopes: access.AllScopes})

				made := create(t, minter, &authv1.CreateTokenRequest{Name: "reader", Scopes: read})
				if got := made.GetToken().GetScopes(); !slices.Equal(got, read) {
					t.Fatalf("scopes of the narrower token = %q; want %q", got, read)
				}
				narrow := clients(made.GetSecret())
				servertest.NoErr(t, getWorkspace(narrow, w))
				if got := listWorkspaces(t, narrow); !slices.Equal(got, []string{w, w2}) {
					t.Fatalf("ListWorkspaces with the narrower token = %q; want %q", got, []string{w, w2})
				}
				servertest.WantCode(t, renameWorkspace(narrow, w), connect.CodePermissionDenied, "MISSING_SCOPE")
				_, err := narrow.Auth.CreateToken(ctx, connect.NewRequest(&authv1.CreateTokenRequest{Name: "again", Scopes: read}))
				servertest.WantCode(t, err, connect.CodePermissionDenied, "MISSING_SCOPE")
			})

			t.Run("workspaces", func(t *testing.T) {
				onlyW := env.NewToken(t, owner.ID, auth.NewToken{Name: "W only", Scopes: access.AllScopes, WorkspaceIDs: []string{w}})
				refuse(t, onlyW, &authv1.CreateTokenRequest{Name: "everywhere", Scopes: read})
				refuse(t, onlyW, &authv1.CreateTokenRequest{Name: "W2", Scopes: read, WorkspaceIds: []string{w2}})
				refuse(t, onlyW, &authv1.CreateTokenRequest{Name: "W and W2", Scopes: read, WorkspaceIds: []string{w, w2}})

				made := create(t, onlyW, &authv1.CreateTokenRequest{Name: "W reader", Scopes: read, WorkspaceIds: []string{w}})
				if got := made.GetToken().GetWorkspaceIds(); !slices.Equal(got, []string{w}) {
					t.Fatalf("workspaces of the narrower token = %q; want %q", got, []string{w})
				}
				narrow := clients(made.GetSecret())
				servertest.NoErr(t, getWorkspace(narrow, w))
				servertest.WantCode(t, getWorkspace(narrow, w2), connect.CodeNotFound, "NOT_FOUND")
				if got := listWorkspaces(t, narrow); !slices.Equal(got, []string{w}) {
					t.Fatalf("ListWorkspaces with the narrower token = %q; want %q", got, []string{w})
				}
				servertest.WantCode(t, renameWorkspace(narrow, w), connect.CodePermissionDenied, "MISSING_SCOPE")
			})

			t.Run("expiry", func(t *testing.T) {
				expiry := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
				expiring := env.NewToken(t, owner.ID, auth.NewToken{Name: "expiring", Scopes: access.AllScopes, ExpiresAt: &expiry})
				refuse(t, expiring, &authv1.CreateTokenRequest{Name: "later", Scopes: read,
					ExpireTime: timestamppb.New(expiry.Add(24 * time.Hour))})
				refuse(t, expiring, &authv1.CreateTokenRequest{Name: "a second later", Scopes: read,
					ExpireTime: timestamppb.New(expiry.Add(time.Second))})

				inherits := create(t, expiring, &authv1.CreateTokenRequest{Name: "no expiry asked", Scopes: read})
				if got := inherits.GetToken().GetExpireTime(); got == nil || !got.AsTime().Equal(expiry) {
					t.Fatalf("expire_time of a token made without one = %v; want the maker's %v", got, expiry)
				}
				stored := accListedToken(t, clients(owner.Token), inherits.GetToken().GetId())
				if got := stored.GetExpireTime(); got == nil || !got.AsTime().Equal(expiry) {
					t.Fatalf("ListTokens shows expire_time %v for the inheriting token; want %v", got, expiry)
				}
				servertest.NoErr(t, getWorkspace(clients(inherits.GetSecret()), w))

				sooner := expiry.Add(-30 * time.Minute)
				made := create(t, expiring, &authv1.CreateTokenRequest{Name: "sooner", Scopes: read, ExpireTime: timestamppb.New(sooner)})
				if got := made.GetToken().GetExpireTime(); got == nil || !got.AsTime().Equal(sooner) {
					t.Fatalf("expire_time = %v; want %v", got, sooner)
				}
				same := create(t, expiring, &authv1.CreateTokenRequest{Name: "same", Scopes: read, ExpireTime: timestamppb.New(expiry)})
				if got := same.GetToken().GetExpireTime(); got == nil || !got.AsTime().Equal(expiry) {
					t.Fatalf("expire_time = %v; want %v", got, expiry)
				}
				servertest.NoErr(t, getWorkspace(clients(made.GetSecret()), w))
			})
		})
	}
}

// accListedToken finds a token in its user's ListTokens.
func accListedToken(t *testing.T, c accCaller, id string) *authv1.Token {
	t.Helper()
	resp, err := c.Auth.ListTokens(context.Background(), connect.NewRequest(&authv1.ListTokensRequest{PageSize: 1000}))
	servertest.NoErr(t, err)
	for _, tok := range resp.Msg.GetTokens() {
		if tok.GetId() == id {
			return tok
		}
	}
	t.Fatalf("ListTokens does not list %s", id)
	return nil
}

// accSchema creates the fixture's bases, tables and fields in W.
func accSchema(t *testing.T, f *accFixture, admin accCaller) {
	t.Helper()
	ctx := context.Background()
	mkBase := func(name string) string {
		resp, err := admin.Bases.CreateBase(ctx, connect.NewRequest(&tablev1.CreateBaseRequest{WorkspaceId: f.W, Name: name}))
		servertest.NoErr(t, err)
		return resp.Msg.GetBase().GetId()
	}
	f.base, f.otherBase, f.spareBase, f.deletedBase = mkBase("Base"), mkBase("Other"), mkBase("Spare"), mkBase("Deleted")
	_, err := admin.Bases.DeleteBase(ctx, connect.NewRequest(&tablev1.DeleteBaseRequest{BaseId: f.deletedBase}))
	servertest.NoErr(t, err)
	mkTable := func(name string) *tablev1.Table {
		resp, err := admin.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{BaseId: f.base, Name: name,
			Fields: []*tablev1.FieldSpec{
				{Name: "Name", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT},
				{Name: "Notes", Type: tablev1.FieldType_FIELD_TYPE_LONG_TEXT},
				{Name: "Spare", Type: tablev1.FieldType_FIELD_TYPE_CHECKBOX},
			}}))
		servertest.NoErr(t, err)
		return resp.Msg.GetTable()
	}
	tbl := mkTable("Table")
	f.table, f.field, f.spareField = tbl.GetId(), tbl.GetFields()[1].GetId(), tbl.GetFields()[2].GetId()
	f.spareTable = mkTable("Spare").GetId()
	f.deletedTable = mkTable("Deleted").GetId()
	_, err = admin.Tables.DeleteTable(ctx, connect.NewRequest(&tablev1.DeleteTableRequest{TableId: f.deletedTable}))
	servertest.NoErr(t, err)
	ix, err := admin.Tables.CreateIndex(ctx, connect.NewRequest(&tablev1.CreateIndexRequest{TableId: f.table, Fields: []string{"Name"}}))
	servertest.NoErr(t, err)
	f.spareIndex, f.operation = ix.Msg.GetIndex().GetId(), ix.Msg.GetOperation().GetId()
	versions, err := admin.Tables.ListTableVersions(ctx, connect.NewRequest(&tablev1.ListTableVersionsRequest{TableId: f.table}))
	servertest.NoErr(t, err)
	f.version = versions.Msg.GetVersions()[0].GetId()
	f.otherBaseOnly = f.env.NewToken(t, f.admin.ID, auth.NewToken{Name: "other base only", Scopes: access.AllScopes, BaseIDs: []string{f.otherBase}})
	mkView := func(name string) string {
		resp, err := admin.Views.CreateView(ctx, connect.NewRequest(&tablev1.CreateViewRequest{TableId: f.table, Name: name, Kind: tablev1.ViewKind_VIEW_KIND_GRID}))
		servertest.NoErr(t, err)
		return resp.Msg.GetView().GetId()
	}
	f.view, f.spareView = mkView("Grid"), mkView("Spare grid")
	created, err := admin.Records.CreateRecords(ctx, connect.NewRequest(&datav1.CreateRecordsRequest{TableId: f.table,
		Records: []*datav1.RecordInput{
			{Fields: map[string]*structpb.Value{"Name": structpb.NewStringValue("Kept")}},
			{Fields: map[string]*structpb.Value{"Name": structpb.NewStringValue("Spare")}},
			{Fields: map[string]*structpb.Value{"Name": structpb.NewStringValue("Trashed")}},
		}}))
	servertest.NoErr(t, err)
	recs := created.Msg.GetRecords()
	f.record, f.spareRecord, f.trashedRecord = recs[0].GetId(), recs[1].GetId(), recs[2].GetId()
	_, err = admin.Records.DeleteRecords(ctx, connect.NewRequest(&datav1.DeleteRecordsRequest{TableId: f.table,
		Records: []*datav1.RecordRef{{Id: f.trashedRecord}}}))
	servertest.NoErr(t, err)
}
