package api

import (
	"context"

	"connectrpc.com/connect"

	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1/workspacev1connect"
	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/user"
	"github.com/pyairtable/pyairtable/server/workspace"
)

type workspaceHandler struct {
	db     *storage.DB
	svc    *workspace.Service
	schema *schema.Service
	policy *access.Policy
}

var _ workspacev1connect.WorkspaceServiceHandler = (*workspaceHandler)(nil)

func (h *workspaceHandler) CreateWorkspace(ctx context.Context, req *connect.Request[workspacev1.CreateWorkspaceRequest]) (*connect.Response[workspacev1.CreateWorkspaceResponse], error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if len(who.WorkspaceIDs) > 0 || len(who.BaseIDs) > 0 {
		return nil, apperr.New(apperr.PermissionDenied, "TOKEN_RESTRICTED",
			"a token limited to some workspaces or bases cannot create workspaces; use an unrestricted token")
	}
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*workspacev1.CreateWorkspaceResponse, error) {
		u, err := user.Get(ctx, tx, who.UserID)
		if err != nil {
			return nil, err
		}
		w, err := h.svc.Create(ctx, tx, workspace.Owner{UserID: u.ID, Email: u.EmailOrEmpty()}, req.Msg.GetName(), req.Msg.GetDescription())
		if err != nil {
			return nil, err
		}
		return &workspacev1.CreateWorkspaceResponse{Workspace: workspaceToProto(w, access.RoleOwner.String())}, nil
	})
}

func (h *workspaceHandler) GetWorkspace(ctx context.Context, req *connect.Request[workspacev1.GetWorkspaceRequest]) (*connect.Response[workspacev1.GetWorkspaceResponse], error) {
	w, err := h.svc.Get(ctx, h.db, req.Msg.GetWorkspaceId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&workspacev1.GetWorkspaceResponse{
		Workspace: workspaceToProto(w, access.RoleFromContext(ctx).String()),
	}), nil
}

func (h *workspaceHandler) ListWorkspaces(ctx context.Context, req *connect.Request[workspacev1.ListWorkspacesRequest]) (*connect.Response[workspacev1.ListWorkspacesResponse], error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	limit, err := reach(ctx, h.policy, who)
	if err != nil {
		return nil, err
	}
	if limit != nil && len(limit) == 0 {
		return connect.NewResponse(&workspacev1.ListWorkspacesResponse{}), nil
	}
	page, err := h.svc.List(ctx, h.db, who.UserID, limit, int(req.Msg.GetPageSize()), req.Msg.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &workspacev1.ListWorkspacesResponse{NextPageToken: page.Next}
	for _, w := range page.Workspaces {
		out.Workspaces = append(out.Workspaces, workspaceToProto(&w.Workspace, w.Role))
	}
	return connect.NewResponse(out), nil
}

func (h *workspaceHandler) UpdateWorkspace(ctx context.Context, req *connect.Request[workspacev1.UpdateWorkspaceRequest]) (*connect.Response[workspacev1.UpdateWorkspaceResponse], error) {
	m := req.Msg
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*workspacev1.UpdateWorkspaceResponse, error) {
		w, err := h.svc.Update(ctx, tx, m.GetWorkspaceId(), workspace.Patch{Name: m.Name, Description: m.Description})
		if err != nil {
			return nil, err
		}
		return &workspacev1.UpdateWorkspaceResponse{Workspace: workspaceToProto(w, access.RoleFromContext(ctx).String())}, nil
	})
}

func (h *workspaceHandler) DeleteWorkspace(ctx context.Context, req *connect.Request[workspacev1.DeleteWorkspaceRequest]) (*connect.Response[workspacev1.DeleteWorkspaceResponse], error) {
	id := req.Msg.GetWorkspaceId()
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*workspacev1.DeleteWorkspaceResponse, error) {
		if err := h.schema.PurgeWorkspace(ctx, tx, id); err != nil {
			return nil, err
		}
		if err := h.svc.Delete(ctx, tx, id); err != nil {
			return nil, err
		}
		return &workspacev1.DeleteWorkspaceResponse{WorkspaceId: id}, nil
	})
}

func (h *workspaceHandler) ListMembers(ctx context.Context, req *connect.Request[workspacev1.ListMembersRequest]) (*connect.Response[workspacev1.ListMembersResponse], error) {
	page, err := h.svc.ListMembers(ctx, h.db, req.Msg.GetWorkspaceId(), int(req.Msg.GetPageSize()), req.Msg.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &workspacev1.ListMembersResponse{NextPageToken: page.Next}
	for _, m := range page.Members {
		out.Members = append(out.Members, memberToProto(m))
	}
	return connect.NewResponse(out), nil
}

func (h *workspaceHandler) AddMember(ctx context.Context, req *connect.Request[workspacev1.AddMemberRequest]) (*connect.Response[workspacev1.AddMemberResponse], error) {
	m := req.Msg
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*workspacev1.AddMemberResponse, error) {
		mem, err := h.svc.AddMember(ctx, tx, m.GetWorkspaceId(), m.GetEmail(), access.Role(m.GetRole()))
		if err != nil {
			return nil, err
		}
		return &workspacev1.AddMemberResponse{Member: memberToProto(mem)}, nil
	})
}

func memberRef(userID, email string) workspace.MemberRef {
	return workspace.MemberRef{UserID: userID, Email: email}
}

func (h *workspaceHandler) UpdateMember(ctx context.Context, req *connect.Request[workspacev1.UpdateMemberRequest]) (*connect.Response[workspacev1.UpdateMemberResponse], error) {
	m := req.Msg
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*workspacev1.UpdateMemberResponse, error) {
		mem, err := h.svc.UpdateMember(ctx, tx, m.GetWorkspaceId(), memberRef(m.GetUserId(), m.GetEmail()), access.Role(m.GetRole()))
		if err != nil {
			return nil, err
		}
		return &workspacev1.UpdateMemberResponse{Member: memberToProto(mem)}, nil
	})
}

func (h *workspaceHandler) RemoveMember(ctx context.Context, req *connect.Request[workspacev1.RemoveMemberRequest]) (*connect.Response[workspacev1.RemoveMemberResponse], error) {
	m := req.Msg
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*workspacev1.RemoveMemberResponse, error) {
		mem, err := h.svc.RemoveMember(ctx, tx, m.GetWorkspaceId(), memberRef(m.GetUserId(), m.GetEmail()))
		if err != nil {
			return nil, err
		}
		return &workspacev1.RemoveMemberResponse{Member: memberToProto(mem)}, nil
	})
}
