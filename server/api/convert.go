package api

import (
	"encoding/json"
	"time"

	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	authv1 "github.com/pyairtable/pyairtable/gen/pyairtable/auth/v1"
	commonv1 "github.com/pyairtable/pyairtable/gen/pyairtable/common/v1"
	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/auth"
	"github.com/pyairtable/pyairtable/server/user"
	"github.com/pyairtable/pyairtable/server/workspace"
)

func ts(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return timestamppb.New(*t)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func userToProto(u *user.User) *userv1.User {
	prefs := &structpb.Struct{}
	var m map[string]any
	if json.Unmarshal([]byte(u.Preferences), &m) == nil {
		if s, err := structpb.NewStruct(m); err == nil {
			prefs = s
		}
	}
	state := userv1.UserState_USER_STATE_ACTIVE
	if !u.Active() {
		state = userv1.UserState_USER_STATE_DEACTIVATED
	}
	return &userv1.User{
		Id: u.ID, Email: u.EmailOrEmpty(), DisplayName: u.DisplayName, AvatarUrl: u.AvatarURL,
		TimeZone: u.TimeZone, Locale: u.Locale, Preferences: prefs, Admin: u.Admin, State: state,
		CreateTime: timestamppb.New(u.CreatedAt), UpdateTime: timestamppb.New(u.UpdatedAt),
	}
}

func tokenToProto(t *auth.Token) *authv1.Token {
	return &authv1.Token{
		Id: t.ID, UserId: t.UserID, Name: t.Name, Scopes: t.Scopes,
		WorkspaceIds: t.WorkspaceIDs, BaseIds: t.BaseIDs,
		ExpireTime: ts(t.ExpiresAt), LastUsedTime: ts(t.LastUsedAt),
		CreateTime: timestamppb.New(t.CreatedAt), RevokeTime: ts(t.RevokedAt),
	}
}

func roleToProto(name string) commonv1.Role {
	r, err := access.ParseRole(name)
	if err != nil {
		return commonv1.Role_ROLE_UNSPECIFIED
	}
	return commonv1.Role(r)
}

func workspaceToProto(w *workspace.Workspace, role string) *workspacev1.Workspace {
	return &workspacev1.Workspace{
		Id: w.ID, Name: w.Name, Description: w.Description, Role: roleToProto(role),
		CreateTime: timestamppb.New(w.CreatedAt), UpdateTime: timestamppb.New(w.UpdatedAt),
	}
}

func memberToProto(m *workspace.MemberView) *workspacev1.Member {
	state := workspacev1.MemberState_MEMBER_STATE_ACTIVE
	if m.UserID == nil {
		state = workspacev1.MemberState_MEMBER_STATE_PENDING
	}
	return &workspacev1.Member{
		WorkspaceId: m.WorkspaceID, UserId: deref(m.UserID), Email: deref(m.Email),
		DisplayName: deref(m.DisplayName), Role: roleToProto(m.Role), State: state,
		CreateTime: timestamppb.New(m.CreatedAt),
	}
}
