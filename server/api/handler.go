package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"connectrpc.com/connect"
	connectcors "connectrpc.com/cors"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"connectrpc.com/validate"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/cors"

	"github.com/pyairtable/pyairtable/gen/pyairtable/auth/v1/authv1connect"
	"github.com/pyairtable/pyairtable/gen/pyairtable/data/v1/datav1connect"
	"github.com/pyairtable/pyairtable/gen/pyairtable/operation/v1/operationv1connect"
	"github.com/pyairtable/pyairtable/gen/pyairtable/table/v1/tablev1connect"
	"github.com/pyairtable/pyairtable/gen/pyairtable/user/v1/userv1connect"
	"github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1/workspacev1connect"
	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/auth"
	"github.com/pyairtable/pyairtable/server/operation"
	"github.com/pyairtable/pyairtable/server/pagetoken"
	"github.com/pyairtable/pyairtable/server/record"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/view"
	"github.com/pyairtable/pyairtable/server/workspace"
)

// Services are the full names of the services the server mounts.
var Services = []string{
	userv1connect.UserServiceName,
	authv1connect.AuthServiceName,
	workspacev1connect.WorkspaceServiceName,
	tablev1connect.BaseServiceName,
	tablev1connect.TableServiceName,
	tablev1connect.ViewServiceName,
	operationv1connect.OperationServiceName,
	datav1connect.RecordServiceName,
}

// compressMinBytes is the smallest response the server compresses (when
// the client accepts it).
const compressMinBytes = 4096

// Deps are what the handlers need.
type Deps struct {
	DB         *storage.DB
	Log        *slog.Logger
	Registry   *prometheus.Registry
	Tokens     *auth.Service
	Workspaces *workspace.Service
	Schema     *schema.Service
	Views      *view.Service
	Records    *record.Service
	Runner     *operation.Runner
	Pages      *pagetoken.Codec
	Policy     *access.Policy
	// PerCaller and PerAddress rate-limit calls; nil turns a limit off.
	PerCaller, PerAddress Limiter
	// CORSOrigins are the browser origins allowed; "*" allows any.
	CORSOrigins []string
	// MaxRequestBytes and MaxResponseBytes bound one message.
	MaxRequestBytes, MaxResponseBytes int
	// Mount adds further HTTP routes (the browser login flow).
	Mount func(*http.ServeMux)
}

// NewHandler returns the server's HTTP handler: the services over gRPC,
// gRPC-Web and Connect, grpc.health.v1, reflection (v1 and v1alpha), and
// /metrics, wrapped in CORS for the configured origins.
func NewHandler(d Deps) http.Handler {
	opts := []connect.HandlerOption{
		connect.WithInterceptors(
			observe(d.Log, NewMetrics(d.Registry)),
			authenticate(d.Tokens, d.PerCaller, d.PerAddress),
			admit(d.Policy),
			validate.NewInterceptor(),
			authorize(d.Policy),
		),
		connect.WithCodec(strictJSON{name: "json"}),
		connect.WithCodec(strictJSON{name: "json; charset=utf-8"}),
		connect.WithRecover(func(ctx context.Context, spec connect.Spec, _ http.Header, p any) error {
			d.Log.ErrorContext(ctx, "panic in a handler", "procedure", spec.Procedure, "panic", p)
			return connect.NewError(connect.CodeInternal, errors.New("internal error; the server log has the details"))
		}),
		// Compressing small responses costs more than it saves; larger ones
		// are compressed at gzip's fastest level (see fastGzip).
		connect.WithCompressMinBytes(compressMinBytes),
		connect.WithCompression("gzip", newGzipReader, fastGzip),
		connect.WithReadMaxBytes(d.MaxRequestBytes),
		connect.WithSendMaxBytes(d.MaxResponseBytes),
	}
	mux := http.NewServeMux()
	mux.Handle(userv1connect.NewUserServiceHandler(&userHandler{db: d.DB, invalidator: d.Tokens, policy: d.Policy}, opts...))
	mux.Handle(authv1connect.NewAuthServiceHandler(&authHandler{db: d.DB, tokens: d.Tokens}, opts...))
	mux.Handle(workspacev1connect.NewWorkspaceServiceHandler(&workspaceHandler{db: d.DB, svc: d.Workspaces, schema: d.Schema, policy: d.Policy}, opts...))
	mux.Handle(tablev1connect.NewBaseServiceHandler(&baseHandler{db: d.DB, svc: d.Schema}, opts...))
	mux.Handle(tablev1connect.NewTableServiceHandler(&tableHandler{db: d.DB, svc: d.Schema, runner: d.Runner, views: d.Views}, opts...))
	mux.Handle(tablev1connect.NewViewServiceHandler(&viewHandler{db: d.DB, views: d.Views}, opts...))
	mux.Handle(datav1connect.NewRecordServiceHandler(&recordHandler{db: d.DB, records: d.Records}, opts...))
	mux.Handle(operationv1connect.NewOperationServiceHandler(&operationHandler{db: d.DB, pages: d.Pages}, opts...))
	mux.Handle(grpchealth.NewHandler(grpchealth.NewStaticChecker(Services...)))
	reflector := grpcreflect.NewStaticReflector(append(slices.Clone(Services), grpchealth.HealthV1ServiceName)...)
	mux.Handle(grpcreflect.NewHandlerV1(reflector))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector))
	if d.Mount != nil {
		d.Mount(mux)
	}
	mux.Handle("/metrics", promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{Registry: d.Registry}))
	return withCORS(d.CORSOrigins, refuseForgedCookieCalls(d.Log, mux))
}

// refuseForgedCookieCalls answers a cookie-authenticated call whose
// content type a cross-site form could send (which the protocol handlers
// would refuse with a bare 415) with UNAUTHENTICATED, reason
// CSRF_CHECK_FAILED, in the Connect error format.
func refuseForgedCookieCalls(log *slog.Logger, next http.Handler) http.Handler {
	errs := connect.NewErrorWriter()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/pyairtable.") &&
			r.Header.Get("Authorization") == "" && !auth.CSRFSafe(r.Method, r.Header) {
			if c, err := r.Cookie(auth.SessionCookie); err == nil && c.Value != "" {
				_ = errs.Write(w, r, toConnect(r.Context(), log, r.URL.Path, auth.CSRFError()))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// withCORS lets the configured browser origins call the API, with the
// headers gRPC-Web and Connect use allowed and exposed. Credentials
// (cookies) are allowed only for listed origins, never for "*".
func withCORS(origins []string, h http.Handler) http.Handler {
	if len(origins) == 0 {
		return h
	}
	any := len(origins) == 1 && origins[0] == "*"
	c := cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   connectcors.AllowedMethods(),
		AllowedHeaders:   append(connectcors.AllowedHeaders(), "Authorization"),
		ExposedHeaders:   append(connectcors.ExposedHeaders(), "Retry-After"),
		AllowCredentials: !any,
		MaxAge:           7200,
	})
	return c.Handler(h)
}
