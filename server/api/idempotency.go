package api

import (
	"context"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"
	"google.golang.org/protobuf/proto"

	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/idempotency"
	"github.com/pyairtable/pyairtable/server/storage"
)

type bunTx = bun.Tx

// requestIDer is every mutating request: it carries a request_id.
type requestIDer interface{ GetRequestId() string }

// protoMessage is a generated message.
type protoMessage = proto.Message

// key returns the idempotency key of a mutating call.
func key[T any, PT interface {
	*T
	requestIDer
}](_ context.Context, who *access.Principal, req *connect.Request[T]) idempotency.Key {
	return idempotency.Key{
		CallerID:  who.CallerID(),
		RequestID: PT(req.Msg).GetRequestId(),
		Procedure: req.Spec().Procedure,
	}
}

// writeWith runs a mutating call idempotently in a transaction of db;
// stored, when given, says what form of the response a retry gets (see
// idempotency.Run).
func writeWith[Req any, PReq interface {
	*Req
	requestIDer
	protoMessage
}, Resp any, PResp interface {
	*Resp
	protoMessage
}](ctx context.Context, db *storage.DB, req *connect.Request[Req], fn func(ctx context.Context, tx bunTx) (PResp, error),
	stored ...func(PResp) PResp,
) (*connect.Response[Resp], error) {
	who, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := idempotency.Run(ctx, db, key[Req, PReq](ctx, who, req), PReq(req.Msg), fn, stored...)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse((*Resp)(resp)), nil
}
