package api

import (
	"context"

	"connectrpc.com/connect"

	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/user/v1/userv1connect"
	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/user"
)

type userHandler struct {
	db          *storage.DB
	invalidator user.CredentialInvalidator
	policy      *access.Policy
}

// reach returns the workspaces a caller's credentials are limited to
// (through workspaces or bases); nil when they are not limited.
func reach(ctx context.Context, policy *access.Policy, who *access.Principal) ([]string, error) {
	if len(who.BaseIDs) == 0 {
		return who.WorkspaceIDs, nil // stored lists read back nil when empty
	}
	return policy.BaseReach(ctx, who)
}

var _ userv1connect.UserServiceHandler = (*userHandler)(nil)

func (h *userHandler) GetCurrentUser(ctx context.Context, _ *connect.Request[userv1.GetCurrentUserRequest]) (*connect.Response[userv1.GetCurrentUserResponse], error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	u, err := user.Get(ctx, h.db, who.UserID)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.GetCurrentUserResponse{User: userToProto(u)}), nil
}

func (h *userHandler) GetUser(ctx context.Context, req *connect.Request[userv1.GetUserRequest]) (*connect.Response[userv1.GetUserResponse], error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	id := req.Msg.GetUserId()
	limit, err := reach(ctx, h.policy, who)
	if err != nil {
		return nil, err
	}
	ok, err := user.Visible(ctx, h.db, who.UserID, who.Admin, limit, id)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apperr.NotFoundf("user %q not found", id).With("user_id", id)
	}
	u, err := user.Get(ctx, h.db, id)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&userv1.GetUserResponse{User: userToProto(u)}), nil
}

func (h *userHandler) UpdateUser(ctx context.Context, req *connect.Request[userv1.UpdateUserRequest]) (*connect.Response[userv1.UpdateUserResponse], error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	if m.GetUserId() != who.UserID {
		limit, err := reach(ctx, h.policy, who)
		if err != nil {
			return nil, err
		}
		ok, err := user.Visible(ctx, h.db, who.UserID, who.Admin, limit, m.GetUserId())
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, apperr.NotFoundf("user %q not found", m.GetUserId()).With("user_id", m.GetUserId())
		}
		if !who.Admin {
			return nil, apperr.New(apperr.PermissionDenied, "NOT_YOURSELF", "you can only change your own profile")
		}
	}
	patch := user.Patch{DisplayName: m.DisplayName, AvatarURL: m.AvatarUrl, TimeZone: m.TimeZone, Locale: m.Locale}
	if m.Preferences != nil {
		patch.Preferences = m.Preferences.AsMap()
	}
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*userv1.UpdateUserResponse, error) {
		u, err := user.Update(ctx, tx, m.GetUserId(), patch)
		if err != nil {
			return nil, err
		}
		return &userv1.UpdateUserResponse{User: userToProto(u)}, nil
	})
}

func (h *userHandler) DeactivateUser(ctx context.Context, req *connect.Request[userv1.DeactivateUserRequest]) (*connect.Response[userv1.DeactivateUserResponse], error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	limit, err := reach(ctx, h.policy, who)
	if err != nil {
		return nil, err
	}
	if ok, err := user.Visible(ctx, h.db, who.UserID, who.Admin, limit, req.Msg.GetUserId()); err != nil {
		return nil, err
	} else if !ok {
		return nil, apperr.NotFoundf("user %q not found", req.Msg.GetUserId()).With("user_id", req.Msg.GetUserId())
	}
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*userv1.DeactivateUserResponse, error) {
		u, err := user.Deactivate(ctx, tx, h.invalidator, who.UserID, req.Msg.GetUserId())
		if err != nil {
			return nil, err
		}
		return &userv1.DeactivateUserResponse{User: userToProto(u)}, nil
	})
}
