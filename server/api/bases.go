package api

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/table/v1/tablev1connect"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
)

type baseHandler struct {
	db  *storage.DB
	svc *schema.Service
}

var _ tablev1connect.BaseServiceHandler = (*baseHandler)(nil)

func baseToProto(b *schema.Base) *tablev1.Base {
	return &tablev1.Base{
		Id: b.ID, WorkspaceId: b.WorkspaceID, Name: b.Name, Description: b.Description,
		CreateTime: timestamppb.New(b.CreatedAt), UpdateTime: timestamppb.New(b.UpdatedAt),
		DeleteTime: ts(b.DeletedAt), PurgeTime: ts(b.PurgeAt),
	}
}

func (h *baseHandler) CreateBase(ctx context.Context, req *connect.Request[tablev1.CreateBaseRequest]) (*connect.Response[tablev1.CreateBaseResponse], error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*tablev1.CreateBaseResponse, error) {
		b, err := h.svc.CreateBase(ctx, tx, m.GetWorkspaceId(), who.UserID, m.GetName(), m.GetDescription())
		if err != nil {
			return nil, err
		}
		return &tablev1.CreateBaseResponse{Base: baseToProto(b)}, nil
	})
}

func (h *baseHandler) GetBase(ctx context.Context, req *connect.Request[tablev1.GetBaseRequest]) (*connect.Response[tablev1.GetBaseResponse], error) {
	b, err := h.svc.GetBase(ctx, h.db, req.Msg.GetBaseId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&tablev1.GetBaseResponse{Base: baseToProto(b)}), nil
}

func (h *baseHandler) ListBases(ctx context.Context, req *connect.Request[tablev1.ListBasesRequest]) (*connect.Response[tablev1.ListBasesResponse], error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	m := req.Msg
	page, err := h.svc.ListBases(ctx, h.db, m.GetWorkspaceId(), who.BaseIDs, int(m.GetPageSize()), m.GetPageToken(), m.GetShowDeleted())
	if err != nil {
		return nil, err
	}
	out := &tablev1.ListBasesResponse{NextPageToken: page.Next}
	for _, b := range page.Bases {
		out.Bases = append(out.Bases, baseToProto(b))
	}
	return connect.NewResponse(out), nil
}

func (h *baseHandler) UpdateBase(ctx context.Context, req *connect.Request[tablev1.UpdateBaseRequest]) (*connect.Response[tablev1.UpdateBaseResponse], error) {
	m := req.Msg
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*tablev1.UpdateBaseResponse, error) {
		b, err := h.svc.UpdateBase(ctx, tx, m.GetBaseId(), schema.BasePatch{Name: m.Name, Description: m.Description})
		if err != nil {
			return nil, err
		}
		return &tablev1.UpdateBaseResponse{Base: baseToProto(b)}, nil
	})
}

func (h *baseHandler) DeleteBase(ctx context.Context, req *connect.Request[tablev1.DeleteBaseRequest]) (*connect.Response[tablev1.DeleteBaseResponse], error) {
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*tablev1.DeleteBaseResponse, error) {
		b, err := h.svc.DeleteBase(ctx, tx, req.Msg.GetBaseId())
		if err != nil {
			return nil, err
		}
		return &tablev1.DeleteBaseResponse{Base: baseToProto(b)}, nil
	})
}

func (h *baseHandler) RestoreBase(ctx context.Context, req *connect.Request[tablev1.RestoreBaseRequest]) (*connect.Response[tablev1.RestoreBaseResponse], error) {
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*tablev1.RestoreBaseResponse, error) {
		b, err := h.svc.RestoreBase(ctx, tx, req.Msg.GetBaseId())
		if err != nil {
			return nil, err
		}
		return &tablev1.RestoreBaseResponse{Base: baseToProto(b)}, nil
	})
}
