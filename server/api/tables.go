package api

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/table/v1/tablev1connect"
	"github.com/pyairtable/pyairtable/server/operation"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/view"
)

type tableHandler struct {
	db     *storage.DB
	svc    *schema.Service
	runner *operation.Runner
	views  *view.Service
}

var _ tablev1connect.TableServiceHandler = (*tableHandler)(nil)

func fieldToProto(f *schema.Field, primaryID string) *tablev1.Field {
	typ, opts := f.TypeOptions()
	if opts.GetKind() == nil {
		opts = nil
	}
	return &tablev1.Field{
		Id: f.ID, Name: f.Name, Description: f.Description, Type: f.Kind(), Options: opts,
		Required: f.Required, Primary: f.ID == primaryID, ReadOnly: typ != nil && typ.ReadOnly(),
		CreateTime: timestamppb.New(f.CreatedAt), Unique: f.Unique,
	}
}

func tableToProto(t *schema.Table) *tablev1.Table {
	out := &tablev1.Table{
		Id: t.ID, BaseId: t.BaseID, Name: t.Name, Description: t.Description, PrimaryFieldId: t.PrimaryFieldID,
		Etag: t.Etag, CreateTime: timestamppb.New(t.CreatedAt), UpdateTime: timestamppb.New(t.UpdatedAt),
		DeleteTime: ts(t.DeletedAt), PurgeTime: ts(t.PurgeAt),
	}
	for _, f := range t.Fields {
		out.Fields = append(out.Fields, fieldToProto(f, t.PrimaryFieldID))
	}
	return out
}

func specOf(f *tablev1.FieldSpec) schema.FieldSpec {
	return schema.FieldSpec{Name: f.GetName(), Description: f.GetDescription(), Type: f.GetType(), Options: f.GetOptions(), Required: f.GetRequired()}
}

func (h *tableHandler) CreateTable(ctx context.Context, req *connect.Request[tablev1.CreateTableRequest]) (*connect.Response[tablev1.CreateTableResponse], error) {
	m := req.Msg
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	specs := make([]schema.FieldSpec, len(m.GetFields()))
	for i, f := range m.GetFields() {
		specs[i] = specOf(f)
	}
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*tablev1.CreateTableResponse, error) {
		t, err := h.svc.CreateTable(ctx, tx, m.GetBaseId(), who.UserID, m.GetName(), m.GetDescription(), specs)
		if err != nil {
			return nil, err
		}
		// Every table starts with a grid view of all its fields, as users expect.
		if _, err := h.views.CreateView(ctx, tx, t.ID, who.UserID, view.Spec{Name: "Grid view", Kind: tablev1.ViewKind_VIEW_KIND_GRID}); err != nil {
			return nil, err
		}
		return &tablev1.CreateTableResponse{Table: tableToProto(t)}, nil
	})
}

func (h *tableHandler) GetTable(ctx context.Context, req *connect.Request[tablev1.GetTableRequest]) (*connect.Response[tablev1.GetTableResponse], error) {
	t, err := h.svc.Table(ctx, req.Msg.GetTableId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&tablev1.GetTableResponse{Table: tableToProto(t)}), nil
}

func (h *tableHandler) ListTables(ctx context.Context, req *connect.Request[tablev1.ListTablesRequest]) (*connect.Response[tablev1.ListTablesResponse], error) {
	m := req.Msg
	page, err := h.svc.ListTables(ctx, h.db, m.GetBaseId(), int(m.GetPageSize()), m.GetPageToken(), m.GetShowDeleted())
	if err != nil {
		return nil, err
	}
	out := &tablev1.ListTablesResponse{NextPageToken: page.Next}
	for _, t := range page.Tables {
		out.Tables = append(out.Tables, tableToProto(t))
	}
	return connect.NewResponse(out), nil
}

func (h *tableHandler) UpdateTable(ctx context.Context, req *connect.Request[tablev1.UpdateTableRequest]) (*connect.Response[tablev1.UpdateTableResponse], error) {
	m := req.Msg
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*tablev1.UpdateTableResponse, error) {
		t, err := h.svc.UpdateTable(ctx, tx, m.GetTableId(), m.GetEtag(),
			schema.TablePatch{Name: m.Name, Description: m.Description, PrimaryFieldID: m.PrimaryFieldId})
		if err != nil {
			return nil, err
		}
		return &tablev1.UpdateTableResponse{Table: tableToProto(t)}, nil
	})
}

func (h *tableHandler) DeleteTable(ctx context.Context, req *connect.Request[tablev1.DeleteTableRequest]) (*connect.Response[tablev1.DeleteTableResponse], error) {
	m := req.Msg
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*tablev1.DeleteTableResponse, error) {
		t, err := h.svc.DeleteTable(ctx, tx, m.GetTableId(), m.GetEtag())
		if err != nil {
			return nil, err
		}
		return &tablev1.DeleteTableResponse{Table: tableToProto(t)}, nil
	})
}

func (h *tableHandler) RestoreTable(ctx context.Context, req *connect.Request[tablev1.RestoreTableRequest]) (*connect.Response[tablev1.RestoreTableResponse], error) {
	m := req.Msg
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*tablev1.RestoreTableResponse, error) {
		t, err := h.svc.RestoreTable(ctx, tx, m.GetTableId())
		if err != nil {
			return nil, err
		}
		return &tablev1.RestoreTableResponse{Table: tableToProto(t)}, nil
	})
}

func (h *tableHandler) CreateField(ctx context.Context, req *connect.Request[tablev1.CreateFieldRequest]) (*connect.Response[tablev1.CreateFieldResponse], error) {
	m := req.Msg
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*tablev1.CreateFieldResponse, error) {
		f, t, err := h.svc.CreateField(ctx, tx, m.GetTableId(), m.GetEtag(), specOf(m.GetField()))
		if err != nil {
			return nil, err
		}
		return &tablev1.CreateFieldResponse{Field: fieldToProto(f, t.PrimaryFieldID), Table: tableToProto(t)}, nil
	})
}

func (h *tableHandler) UpdateField(ctx context.Context, req *connect.Request[tablev1.UpdateFieldRequest]) (*connect.Response[tablev1.UpdateFieldResponse], error) {
	m := req.Msg
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*tablev1.UpdateFieldResponse, error) {
		ch, err := h.svc.UpdateField(ctx, tx, m.GetTableId(), m.GetFieldId(), m.GetEtag(), who.UserID, schema.FieldPatch{
			Name: m.Name, Description: m.Description, Type: m.Type, Options: m.GetOptions(), Required: m.Required, Unique: m.Unique,
		})
		if err != nil {
			return nil, err
		}
		return &tablev1.UpdateFieldResponse{
			Field: fieldToProto(ch.Field, ch.Table.PrimaryFieldID), Table: tableToProto(ch.Table),
			ConvertedCells: ch.Converted, ClearedCells: ch.Cleared, Operation: operationToProto(ch.Operation),
		}, nil
	})
	if err != nil || resp.Msg.GetOperation() == nil {
		return resp, err
	}
	// Small tables are done before the call returns; report how it went.
	resp.Msg.Operation = settle(ctx, h.db, h.runner, m.GetTableId(), resp.Msg.GetOperation().GetId())
	if t, err := h.svc.GetTable(ctx, h.db, m.GetTableId()); err == nil {
		resp.Msg.Table = tableToProto(t)
		for _, f := range resp.Msg.Table.GetFields() {
			if f.GetId() == m.GetFieldId() {
				resp.Msg.Field = f
			}
		}
	}
	return resp, nil
}

func indexToProto(idx *schema.Index) *tablev1.Index {
	states := map[string]tablev1.IndexState{
		schema.IndexBuilding: tablev1.IndexState_INDEX_STATE_BUILDING,
		schema.IndexReady:    tablev1.IndexState_INDEX_STATE_READY,
		schema.IndexFailed:   tablev1.IndexState_INDEX_STATE_FAILED,
	}
	return &tablev1.Index{Id: idx.ID, TableId: idx.TableID, FieldIds: idx.FieldIDs, Unique: idx.Unique,
		State: states[idx.State], CreateTime: timestamppb.New(idx.CreatedAt)}
}

func (h *tableHandler) CreateIndex(ctx context.Context, req *connect.Request[tablev1.CreateIndexRequest]) (*connect.Response[tablev1.CreateIndexResponse], error) {
	m := req.Msg
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*tablev1.CreateIndexResponse, error) {
		idx, op, err := h.svc.CreateIndex(ctx, tx, m.GetTableId(), who.UserID, m.GetFields())
		if err != nil {
			return nil, err
		}
		return &tablev1.CreateIndexResponse{Index: indexToProto(idx), Operation: operationToProto(op)}, nil
	})
	if err != nil {
		return nil, err
	}
	resp.Msg.Operation = settle(ctx, h.db, h.runner, m.GetTableId(), resp.Msg.GetOperation().GetId())
	if idx, err := h.svc.GetIndex(ctx, h.db, m.GetTableId(), resp.Msg.GetIndex().GetId()); err == nil {
		resp.Msg.Index = indexToProto(idx)
	}
	return resp, nil
}

func (h *tableHandler) ListIndexes(ctx context.Context, req *connect.Request[tablev1.ListIndexesRequest]) (*connect.Response[tablev1.ListIndexesResponse], error) {
	all, err := h.svc.ListIndexes(ctx, h.db, req.Msg.GetTableId())
	if err != nil {
		return nil, err
	}
	out := &tablev1.ListIndexesResponse{}
	for _, idx := range all {
		out.Indexes = append(out.Indexes, indexToProto(idx))
	}
	return connect.NewResponse(out), nil
}

func (h *tableHandler) DeleteIndex(ctx context.Context, req *connect.Request[tablev1.DeleteIndexRequest]) (*connect.Response[tablev1.DeleteIndexResponse], error) {
	m := req.Msg
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*tablev1.DeleteIndexResponse, error) {
		if err := h.svc.DeleteIndex(ctx, tx, m.GetTableId(), m.GetIndexId()); err != nil {
			return nil, err
		}
		return &tablev1.DeleteIndexResponse{IndexId: m.GetIndexId()}, nil
	})
}

func (h *tableHandler) DeleteField(ctx context.Context, req *connect.Request[tablev1.DeleteFieldRequest]) (*connect.Response[tablev1.DeleteFieldResponse], error) {
	m := req.Msg
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*tablev1.DeleteFieldResponse, error) {
		t, err := h.svc.DeleteField(ctx, tx, m.GetTableId(), m.GetFieldId(), m.GetEtag())
		if err != nil {
			return nil, err
		}
		return &tablev1.DeleteFieldResponse{Table: tableToProto(t)}, nil
	})
}
