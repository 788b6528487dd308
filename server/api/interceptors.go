package api

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"

	commonv1 "github.com/pyairtable/pyairtable/gen/pyairtable/common/v1"
	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/ratelimit"
)

// Authenticator turns request headers into a caller.
type Authenticator interface {
	// Authenticate returns the caller named by the request's method and
	// headers, nil when they carry no credentials, or an Unauthenticated
	// error for bad ones.
	Authenticate(ctx context.Context, method string, h http.Header) (*access.Principal, error)
}

// Limiter decides whether a key may make one more call.
type Limiter interface {
	Allow(ctx context.Context, key string) (ratelimit.Decision, error)
}

// observe is the outermost interceptor: it turns errors into Connect errors
// (once, here), counts and times the call, and logs it.
func observe(log *slog.Logger, m *Metrics) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			start := time.Now()
			procedure := req.Spec().Procedure
			info := &callInfo{}
			resp, err := next(context.WithValue(ctx, callInfoKey{}, info), req)
			err = toConnect(ctx, log, procedure, err)
			elapsed := time.Since(start)
			code := "ok"
			level := slog.LevelInfo
			if err != nil {
				code = connect.CodeOf(err).String()
				if connect.CodeOf(err) == connect.CodeInternal {
					level = slog.LevelError
				}
			}
			m.requests.WithLabelValues(procedure, code).Inc()
			m.duration.WithLabelValues(procedure).Observe(elapsed.Seconds())
			attrs := []slog.Attr{
				slog.String("procedure", procedure), slog.String("protocol", req.Peer().Protocol),
				slog.String("code", code), slog.Duration("duration", elapsed),
			}
			if info.userID != "" {
				attrs = append(attrs, slog.String("user_id", info.userID))
			}
			if err != nil {
				msg := err.Error()
				var ce *connect.Error
				if errors.As(err, &ce) {
					msg = ce.Message()
				}
				attrs = append(attrs, slog.String("error", msg))
			}
			log.LogAttrs(ctx, level, "rpc", attrs...)
			return resp, err
		}
	}
}

// authenticate finds the caller and applies the rate limit: per caller when
// authenticated, per client address otherwise (bad credentials included, so
// guessing tokens is slow).
func authenticate(auth Authenticator, perCaller, perAddress Limiter) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			who, authErr := auth.Authenticate(ctx, req.HTTPMethod(), req.Header())
			if who != nil {
				if info, ok := ctx.Value(callInfoKey{}).(*callInfo); ok {
					info.userID = who.UserID
				}
				if err := limit(ctx, perCaller, "c:"+who.CallerID()); err != nil {
					return nil, err
				}
				return next(access.WithPrincipal(ctx, who), req)
			}
			if err := limit(ctx, perAddress, "a:"+clientAddress(req.Peer().Addr)); err != nil {
				return nil, err
			}
			if authErr != nil {
				return nil, authErr
			}
			return next(ctx, req)
		}
	}
}

func clientAddress(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

func limit(ctx context.Context, l Limiter, key string) error {
	if l == nil {
		return nil
	}
	d, err := l.Allow(ctx, key)
	if err != nil {
		// A cache outage must not take the API down: let the call through.
		slog.WarnContext(ctx, "rate limiter unavailable; allowing the call", "err", err)
		return nil
	}
	if d.Allowed {
		return nil
	}
	secs := int(math.Ceil(d.RetryAfter.Seconds()))
	ce := connect.NewError(connect.CodeResourceExhausted,
		errors.New("rate limit reached; retry after "+d.RetryAfter.Round(time.Millisecond).String()))
	addDetail(ce, &commonv1.ErrorInfo{Reason: "RATE_LIMITED", Metadata: map[string]string{
		"retry_after_ms": strconv.FormatInt(d.RetryAfter.Milliseconds(), 10),
	}})
	addDetail(ce, &commonv1.RetryInfo{RetryDelay: durationpb.New(d.RetryAfter)})
	ce.Meta().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	return ce
}

// admit enforces the credentials, scope and administrator parts of the
// called RPC's access declaration, before the request is validated.
func admit(policy *access.Policy) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if err := policy.Admit(ctx, req.Spec().Procedure); err != nil {
				return nil, err
			}
			return next(ctx, req)
		}
	}
}

// authorize enforces the workspace part of the access declaration, once
// the request is known to be valid.
func authorize(policy *access.Policy) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			ctx, err := policy.Authorize(ctx, req.Spec().Procedure, req.Any())
			if err != nil {
				return nil, err
			}
			return next(ctx, req)
		}
	}
}

// caller returns the authenticated caller; the policy guarantees one for
// every RPC that is not public.
func caller(ctx context.Context) (*access.Principal, error) {
	p, ok := access.FromContext(ctx)
	if !ok {
		return nil, apperr.New(apperr.Unauthenticated, "UNAUTHENTICATED", "this call needs credentials")
	}
	return p, nil
}

// callInfo carries what inner interceptors learn back to observe's log line.
type callInfo struct{ userID string }

type callInfoKey struct{}
