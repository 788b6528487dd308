package api

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/schema"
)

func versionToProto(v *schema.Version, t *schema.Table) *tablev1.TableVersion {
	out := &tablev1.TableVersion{Id: v.ID, TableId: v.TableID, Number: v.Number, Summary: v.Summary,
		AuthorId: v.Author, CreateTime: timestamppb.New(v.CreatedAt)}
	if t != nil {
		out.Table = tableToProto(t)
		out.Table.Etag, out.Table.CreateTime, out.Table.UpdateTime = "", nil, nil
		for _, f := range out.Table.GetFields() {
			f.CreateTime = nil
		}
	}
	return out
}

func (h *tableHandler) ListTableVersions(ctx context.Context, req *connect.Request[tablev1.ListTableVersionsRequest]) (*connect.Response[tablev1.ListTableVersionsResponse], error) {
	m := req.Msg
	page, err := h.svc.ListVersions(ctx, h.db, m.GetTableId(), int(m.GetPageSize()), m.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &tablev1.ListTableVersionsResponse{NextPageToken: page.Next}
	for _, v := range page.Versions {
		out.Versions = append(out.Versions, versionToProto(v, nil))
	}
	return connect.NewResponse(out), nil
}

func (h *tableHandler) GetTableVersion(ctx context.Context, req *connect.Request[tablev1.GetTableVersionRequest]) (*connect.Response[tablev1.GetTableVersionResponse], error) {
	v, t, err := h.svc.GetVersion(ctx, h.db, req.Msg.GetTableId(), req.Msg.GetVersionId())
	if err != nil {
		return nil, err
	}
	t.BaseID = ""
	return connect.NewResponse(&tablev1.GetTableVersionResponse{Version: versionToProto(v, t)}), nil
}

func (h *tableHandler) RollbackTable(ctx context.Context, req *connect.Request[tablev1.RollbackTableRequest]) (*connect.Response[tablev1.RollbackTableResponse], error) {
	m := req.Msg
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*tablev1.RollbackTableResponse, error) {
		r, err := h.svc.RollbackTable(ctx, tx, m.GetTableId(), m.GetVersionId(), m.GetEtag())
		if err != nil {
			return nil, err
		}
		out := &tablev1.RollbackTableResponse{Table: tableToProto(r.Table), Version: versionToProto(r.Version, nil),
			UnconvertedCount: r.UnconvertedCount}
		for _, c := range r.Unconverted {
			typ, opts := c.Field.TypeOptions()
			value, _ := typ.Cell(opts, c.Value)
			out.UnconvertedCells = append(out.UnconvertedCells, &tablev1.UnconvertedCell{RecordId: c.RecordID, FieldId: c.FieldID, Value: value})
		}
		return out, nil
	})
}
