package api

import (
	"context"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"
	"google.golang.org/protobuf/proto"

	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/idempotency"
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
