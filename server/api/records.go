package api

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	datav1 "github.com/pyairtable/pyairtable/gen/pyairtable/data/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/data/v1/datav1connect"
	"github.com/pyairtable/pyairtable/server/record"
	"github.com/pyairtable/pyairtable/server/storage"
)

type recordHandler struct {
	db      *storage.DB
	records *record.Service
}

var _ datav1connect.RecordServiceHandler = (*recordHandler)(nil)

// recordsToProto maps records with the cells of cols.
func (h *recordHandler) recordsToProto(cols []*record.Column, rs []*record.Record, key datav1.FieldKey) ([]*datav1.Record, error) {
	out := make([]*datav1.Record, len(rs))
	for i, r := range rs {
		p, err := h.records.Proto(cols, r, key == datav1.FieldKey_FIELD_KEY_ID)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

func (h *recordHandler) CreateRecords(ctx context.Context, req *connect.Request[datav1.CreateRecordsRequest]) (*connect.Response[datav1.CreateRecordsResponse], error) {
	m := req.Msg
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	inputs := make([]record.Cells, len(m.GetRecords()))
	for i, r := range m.GetRecords() {
		inputs[i] = r.GetFields()
	}
	// Values are checked before the transaction when the schema allows,
	// so the write holds its locks for less time.
	checked := h.records.Precheck(ctx, m.GetTableId(), inputs, m.GetTypecast())
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*datav1.CreateRecordsResponse, error) {
		l, rs, err := h.records.Create(ctx, tx, m.GetTableId(), inputs, record.WriteOptions{UserID: who.UserID, Typecast: m.GetTypecast(), Checked: checked})
		if err != nil {
			return nil, err
		}
		out, err := h.recordsToProto(l.Columns, rs, m.GetFieldKey())
		if err != nil {
			return nil, err
		}
		return &datav1.CreateRecordsResponse{Records: out}, nil
	})
}

func (h *recordHandler) GetRecord(ctx context.Context, req *connect.Request[datav1.GetRecordRequest]) (*connect.Response[datav1.GetRecordResponse], error) {
	m := req.Msg
	cols, r, err := h.records.Get(ctx, m.GetTableId(), m.GetRecordId(), m.GetFields())
	if err != nil {
		return nil, err
	}
	p, err := h.records.Proto(cols, r, m.GetFieldKey() == datav1.FieldKey_FIELD_KEY_ID)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&datav1.GetRecordResponse{Record: p}), nil
}

func (h *recordHandler) ListRecords(ctx context.Context, req *connect.Request[datav1.ListRecordsRequest]) (*connect.Response[datav1.ListRecordsResponse], error) {
	m := req.Msg
	page, err := h.records.List(ctx, m.GetTableId(), record.Query{
		View: m.GetView(), Filter: m.GetFilter(), Sorts: m.GetSorts(), Search: m.GetSearch(), Fields: m.GetFields(),
		PageSize: int(m.GetPageSize()), PageToken: m.GetPageToken(), Deleted: m.GetDeleted(),
	})
	if err != nil {
		return nil, err
	}
	out, err := h.recordsToProto(page.Columns, page.Records, m.GetFieldKey())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&datav1.ListRecordsResponse{Records: out, NextPageToken: page.Next}), nil
}

func (h *recordHandler) CountRecords(ctx context.Context, req *connect.Request[datav1.CountRecordsRequest]) (*connect.Response[datav1.CountRecordsResponse], error) {
	m := req.Msg
	n, err := h.records.Count(ctx, m.GetTableId(), record.Query{View: m.GetView(), Filter: m.GetFilter(), Search: m.GetSearch()})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&datav1.CountRecordsResponse{Count: n}), nil
}

func (h *recordHandler) UpdateRecords(ctx context.Context, req *connect.Request[datav1.UpdateRecordsRequest]) (*connect.Response[datav1.UpdateRecordsResponse], error) {
	m := req.Msg
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	updates := make([]record.Update, len(m.GetRecords()))
	for i, r := range m.GetRecords() {
		updates[i] = record.Update{ID: r.GetId(), Fields: r.GetFields(), Etag: r.GetEtag()}
	}
	opts := record.UpdateOptions{
		WriteOptions: record.WriteOptions{UserID: who.UserID, Typecast: m.GetTypecast()},
		Replace:      m.GetReplace(), MergeFields: m.GetMergeFields(),
	}
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*datav1.UpdateRecordsResponse, error) {
		l, res, err := h.records.Update(ctx, tx, m.GetTableId(), updates, opts)
		if err != nil {
			return nil, err
		}
		out, err := h.recordsToProto(l.Columns, res.Records, m.GetFieldKey())
		if err != nil {
			return nil, err
		}
		return &datav1.UpdateRecordsResponse{Records: out, CreatedRecordIds: res.Created, UpdatedRecordIds: res.Updated}, nil
	})
}

func (h *recordHandler) DeleteRecords(ctx context.Context, req *connect.Request[datav1.DeleteRecordsRequest]) (*connect.Response[datav1.DeleteRecordsResponse], error) {
	m := req.Msg
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	refs := make([]record.Ref, len(m.GetRecords()))
	for i, r := range m.GetRecords() {
		refs[i] = record.Ref{ID: r.GetId(), Etag: r.GetEtag()}
	}
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*datav1.DeleteRecordsResponse, error) {
		deleted, purgeAt, err := h.records.Delete(ctx, tx, m.GetTableId(), refs, who.UserID)
		if err != nil {
			return nil, err
		}
		return &datav1.DeleteRecordsResponse{DeletedRecordIds: deleted, PurgeTime: timestamppb.New(purgeAt)}, nil
	})
}

func (h *recordHandler) RestoreRecords(ctx context.Context, req *connect.Request[datav1.RestoreRecordsRequest]) (*connect.Response[datav1.RestoreRecordsResponse], error) {
	m := req.Msg
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	return writeWith(ctx, h.db, req, func(ctx context.Context, tx bunTx) (*datav1.RestoreRecordsResponse, error) {
		l, rs, err := h.records.Restore(ctx, tx, m.GetTableId(), m.GetRecordIds(), who.UserID)
		if err != nil {
			return nil, err
		}
		out, err := h.recordsToProto(l.Columns, rs, m.GetFieldKey())
		if err != nil {
			return nil, err
		}
		return &datav1.RestoreRecordsResponse{Records: out}, nil
	})
}
