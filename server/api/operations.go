package api

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	operationv1 "github.com/pyairtable/pyairtable/gen/pyairtable/operation/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/operation/v1/operationv1connect"
	"github.com/pyairtable/pyairtable/server/operation"
	"github.com/pyairtable/pyairtable/server/pagetoken"
	"github.com/pyairtable/pyairtable/server/storage"
)

// inlineBudget is how long a call that starts an operation waits for it,
// so small jobs are done when the call returns.
const inlineBudget = 5 * time.Second

type operationHandler struct {
	db    *storage.DB
	pages *pagetoken.Codec
}

var _ operationv1connect.OperationServiceHandler = (*operationHandler)(nil)

var operationKinds = map[string]operationv1.OperationKind{
	operation.KindBuildIndex:   operationv1.OperationKind_OPERATION_KIND_BUILD_INDEX,
	operation.KindEnableUnique: operationv1.OperationKind_OPERATION_KIND_ENABLE_UNIQUE,
	operation.KindConvertField: operationv1.OperationKind_OPERATION_KIND_CONVERT_FIELD,
	operation.KindPurge:        operationv1.OperationKind_OPERATION_KIND_PURGE,
}

var operationStates = map[string]operationv1.OperationState{
	operation.Pending:   operationv1.OperationState_OPERATION_STATE_PENDING,
	operation.Running:   operationv1.OperationState_OPERATION_STATE_RUNNING,
	operation.Succeeded: operationv1.OperationState_OPERATION_STATE_SUCCEEDED,
	operation.Failed:    operationv1.OperationState_OPERATION_STATE_FAILED,
}

func operationToProto(op *operation.Operation) *operationv1.Operation {
	if op == nil {
		return nil
	}
	out := &operationv1.Operation{
		Id: op.ID, Kind: operationKinds[op.Kind], State: operationStates[op.State], Progress: int32(op.Progress),
		TableId: op.TableID, FieldId: op.FieldID, IndexId: op.IndexID,
		CreateTime: timestamppb.New(op.CreatedAt), UpdateTime: timestamppb.New(op.UpdatedAt), EndTime: ts(op.EndedAt),
	}
	if op.State == operation.Succeeded {
		out.Result = op.ResultMap()
	}
	if f := op.Failure(); f != nil {
		out.Error = &operationv1.OperationError{Code: f.Code, Reason: f.Reason, Message: f.Message, Metadata: f.Metadata}
	}
	return out
}

func (h *operationHandler) GetOperation(ctx context.Context, req *connect.Request[operationv1.GetOperationRequest]) (*connect.Response[operationv1.GetOperationResponse], error) {
	op, err := operation.Get(ctx, h.db, req.Msg.GetTableId(), req.Msg.GetOperationId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&operationv1.GetOperationResponse{Operation: operationToProto(op)}), nil
}

func (h *operationHandler) ListOperations(ctx context.Context, req *connect.Request[operationv1.ListOperationsRequest]) (*connect.Response[operationv1.ListOperationsResponse], error) {
	page, err := operation.List(ctx, h.db, h.pages, req.Msg.GetTableId(), int(req.Msg.GetPageSize()), req.Msg.GetPageToken())
	if err != nil {
		return nil, err
	}
	out := &operationv1.ListOperationsResponse{NextPageToken: page.Next}
	for _, op := range page.Operations {
		out.Operations = append(out.Operations, operationToProto(op))
	}
	return connect.NewResponse(out), nil
}

// settle runs a just-started operation here if no server took it yet,
// waits for it within the inline budget, and returns it as it now is.
func settle(ctx context.Context, db *storage.DB, runner *operation.Runner, tableID, id string) *operationv1.Operation {
	runner.RunNow(ctx, id, inlineBudget)
	op, err := operation.Get(ctx, db, tableID, id)
	if err != nil {
		return nil
	}
	return operationToProto(op)
}
