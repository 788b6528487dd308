// Package api is the edge of the server: Connect handlers that map the
// contract to the domain packages and back, and the interceptors every call
// passes through (metrics and logs, errors, authentication, rate limits,
// validation, access). Domain errors become Connect errors here, once.
package api

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	commonv1 "github.com/pyairtable/pyairtable/gen/pyairtable/common/v1"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

var kindCodes = map[apperr.Kind]connect.Code{
	apperr.Internal:           connect.CodeInternal,
	apperr.InvalidArgument:    connect.CodeInvalidArgument,
	apperr.NotFound:           connect.CodeNotFound,
	apperr.AlreadyExists:      connect.CodeAlreadyExists,
	apperr.FailedPrecondition: connect.CodeFailedPrecondition,
	apperr.PermissionDenied:   connect.CodePermissionDenied,
	apperr.Unauthenticated:    connect.CodeUnauthenticated,
	apperr.ResourceExhausted:  connect.CodeResourceExhausted,
	apperr.Aborted:            connect.CodeAborted,
}

// toConnect turns any error from a handler into a Connect error with an
// ErrorInfo detail. Internal errors are logged and answered with a generic
// message that leaks nothing.
func toConnect(ctx context.Context, log *slog.Logger, procedure string, err error) error {
	if err == nil {
		return nil
	}
	var ce *connect.Error
	if errors.As(err, &ce) {
		if !hasErrorInfo(ce) {
			addDetail(ce, &commonv1.ErrorInfo{Reason: reasonOf(ce.Code())})
		}
		return ce
	}
	if errors.Is(err, context.Canceled) {
		return connect.NewError(connect.CodeCanceled, errors.New("the call was canceled"))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return connect.NewError(connect.CodeDeadlineExceeded, errors.New("the call ran out of time"))
	}
	e, ok := apperr.As(err)
	if !ok || e.Kind == apperr.Internal {
		// A concurrent change got in the way: say so, with a retry hint.
		switch storage.ConflictOf(err) {
		case storage.ConflictUnique:
			e, ok = apperr.New(apperr.AlreadyExists, "CONFLICT", "a concurrent change made the same thing; read it again and retry if needed"), true
		case storage.ConflictForeignKey:
			e, ok = apperr.New(apperr.FailedPrecondition, "CONFLICT", "something this call refers to was removed by a concurrent change"), true
		case storage.ConflictConcurrency:
			e, ok = apperr.New(apperr.Aborted, "CONCURRENT_UPDATE", "a concurrent change got in the way; retry the call"), true
		}
	}
	if !ok || e.Kind == apperr.Internal {
		log.ErrorContext(ctx, "internal error", "procedure", procedure, "err", err)
		ce := connect.NewError(connect.CodeInternal, errors.New("internal error; the server log has the details"))
		addDetail(ce, &commonv1.ErrorInfo{Reason: "INTERNAL"})
		return ce
	}
	ce = connect.NewError(kindCodes[e.Kind], errors.New(e.Message))
	addDetail(ce, &commonv1.ErrorInfo{Reason: e.Reason, Metadata: e.Metadata})
	if len(e.Violations) > 0 {
		vs := &validate.Violations{}
		for _, v := range e.Violations {
			vs.Violations = append(vs.Violations, &validate.Violation{
				Field:   ParseFieldPath(v.Path),
				RuleId:  proto.String(v.Rule),
				Message: proto.String(v.Message),
			})
		}
		addDetail(ce, vs)
	}
	return ce
}

func addDetail(ce *connect.Error, m proto.Message) {
	if d, err := connect.NewErrorDetail(m); err == nil {
		ce.AddDetail(d)
	}
}

func hasErrorInfo(ce *connect.Error) bool {
	for _, d := range ce.Details() {
		if d.Type() == string((&commonv1.ErrorInfo{}).ProtoReflect().Descriptor().FullName()) {
			return true
		}
	}
	return false
}

// reasonOf names errors raised by Connect itself or by validation.
func reasonOf(code connect.Code) string {
	switch code {
	case connect.CodeResourceExhausted:
		return "RESOURCE_EXHAUSTED"
	case connect.CodeUnimplemented:
		return "UNIMPLEMENTED"
	default:
		return strings.ToUpper(strings.ReplaceAll(code.String(), " ", "_"))
	}
}

// ParseFieldPath turns a path such as `records[3].fields["Price"]` into
// protovalidate's FieldPath.
func ParseFieldPath(path string) *validate.FieldPath {
	fp := &validate.FieldPath{}
	for path != "" {
		name := path
		if i := strings.IndexAny(path, ".["); i >= 0 {
			name = path[:i]
		}
		path = path[len(name):]
		el := &validate.FieldPathElement{FieldName: proto.String(name)}
		if strings.HasPrefix(path, `["`) {
			// A quoted key, such as a field name, may hold any character.
			if q, err := strconv.QuotedPrefix(path[1:]); err == nil && strings.HasPrefix(path[1+len(q):], "]") {
				key, _ := strconv.Unquote(q)
				el.Subscript = &validate.FieldPathElement_StringKey{StringKey: key}
				path = strings.TrimPrefix(path[2+len(q):], ".")
				fp.Elements = append(fp.Elements, el)
				continue
			}
		}
		if strings.HasPrefix(path, "[") {
			end := strings.Index(path, "]")
			if end < 0 {
				end = len(path) - 1
			}
			sub := path[1:end]
			path = path[end+1:]
			if n, err := strconv.ParseUint(sub, 10, 64); err == nil {
				el.Subscript = &validate.FieldPathElement_Index{Index: n}
			} else {
				el.Subscript = &validate.FieldPathElement_StringKey{StringKey: strings.Trim(sub, `"`)}
			}
		}
		path = strings.TrimPrefix(path, ".")
		fp.Elements = append(fp.Elements, el)
	}
	return fp
}
