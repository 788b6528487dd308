// Package servertest starts real PyAirtable servers for tests: the whole
// server on a real listener, on each backend (SQLite with the in-process
// cache, PostgreSQL with Redis), and generated clients for each protocol.
package servertest

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/gen/pyairtable/auth/v1/authv1connect"
	"github.com/pyairtable/pyairtable/gen/pyairtable/data/v1/datav1connect"
	"github.com/pyairtable/pyairtable/gen/pyairtable/operation/v1/operationv1connect"
	"github.com/pyairtable/pyairtable/gen/pyairtable/table/v1/tablev1connect"
	"github.com/pyairtable/pyairtable/gen/pyairtable/user/v1/userv1connect"
	"github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1/workspacev1connect"
	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/app"
	"github.com/pyairtable/pyairtable/server/auth"
	"github.com/pyairtable/pyairtable/server/config"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

// Backend is a storage and cache combination.
type Backend struct {
	Name   string
	Engine storage.Engine
	Redis  bool
}

// Backends are the combinations every end-to-end smoke test runs on.
var Backends = []Backend{
	{Name: "sqlite+memory", Engine: storage.SQLite, Redis: false},
	{Name: "postgres+redis", Engine: storage.Postgres, Redis: true},
}

// RedisURL is the Redis the tests use (PYAIRTABLE_TEST_REDIS_URL, default
// redis://127.0.0.1:6379/0).
func RedisURL() string {
	if u := os.Getenv("PYAIRTABLE_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// Config returns a configuration for a test server on the backend, with a
// new empty database and its own Redis key prefix.
func Config(t testing.TB, b Backend) config.Config {
	t.Helper()
	cfg, err := config.Parse("test", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = "127.0.0.1:0"
	cfg.DatabaseURL = storagetest.URL(t, b.Engine)
	if b.Redis {
		cfg.RedisURL = RedisURL()
		cfg.RedisPrefix = "t" + ids.Random(10) + ":"
	}
	cfg.LogLevel = "warn"
	return cfg
}

// Env is a running test server.
type Env struct {
	Backend Backend
	Server  *app.Server
	// URL is the server's base URL, such as http://127.0.0.1:41234.
	URL string
}

// Start starts a server on the backend; change adjusts its configuration.
// The server stops when the test ends.
func Start(t testing.TB, b Backend, change ...func(*config.Config)) *Env {
	t.Helper()
	cfg := Config(t, b)
	for _, c := range change {
		c(&cfg)
	}
	return StartConfig(t, b, cfg)
}

// StartConfig starts a server with the configuration.
func StartConfig(t testing.TB, b Backend, cfg config.Config) *Env {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := app.New(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatalf("start server on %s: %v", b.Name, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		srv.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
		srv.Close()
	})
	return &Env{Backend: b, Server: srv, URL: "http://" + ln.Addr().String()}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// User is a test user with a token.
type User struct {
	ID    string
	Email string
	Token string
}

// NewUser creates a user (the first one of a server is its administrator)
// with a token holding the scopes (every scope when none are given).
func (e *Env) NewUser(t testing.TB, email string, scopes ...string) User {
	t.Helper()
	u, err := e.CreateUser(email, scopes...)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// NewToken creates another token for a user.
func (e *Env) NewToken(t testing.TB, userID string, in auth.NewToken) string {
	t.Helper()
	var secret string
	err := e.Server.DB.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		_, secret, err = e.Server.Tokens.CreateToken(ctx, tx, &access.Principal{UserID: userID}, in)
		return err
	})
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	return secret
}

// Protocol is a wire protocol a client speaks.
type Protocol string

// The protocols the server serves on one port.
const (
	ConnectJSON  Protocol = "connect+json"
	ConnectProto Protocol = "connect+proto"
	GRPC         Protocol = "grpc"
	GRPCWeb      Protocol = "grpc-web"
)

// Protocols lists every protocol.
var Protocols = []Protocol{ConnectJSON, ConnectProto, GRPC, GRPCWeb}

// HTTPClient returns a client that speaks HTTP/1.1 and cleartext HTTP/2
// (prior knowledge, as gRPC needs).
func HTTPClient(http2Only bool) *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	if !http2Only {
		p.SetHTTP1(true)
	}
	return &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{Protocols: &p, TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}},
	}
}

// ClientOptions returns the Connect client options for a protocol.
func ClientOptions(p Protocol) []connect.ClientOption {
	switch p {
	case ConnectJSON:
		return []connect.ClientOption{connect.WithProtoJSON()}
	case GRPC:
		return []connect.ClientOption{connect.WithGRPC()}
	case GRPCWeb:
		return []connect.ClientOption{connect.WithGRPCWeb()}
	default:
		return nil
	}
}

// Clients are generated clients for every service, sending a token.
type Clients struct {
	Users      userv1connect.UserServiceClient
	Auth       authv1connect.AuthServiceClient
	Workspaces workspacev1connect.WorkspaceServiceClient
	Bases      tablev1connect.BaseServiceClient
	Tables     tablev1connect.TableServiceClient
	Views      tablev1connect.ViewServiceClient
	Operations operationv1connect.OperationServiceClient
	Records    datav1connect.RecordServiceClient
}

// Clients returns clients speaking the protocol with the token ("" sends
// no credentials).
func (e *Env) Clients(p Protocol, token string) Clients {
	return NewClients(e.URL, p, token)
}

// NewClients returns clients for a server at url.
func NewClients(url string, p Protocol, token string) Clients {
	hc := HTTPClient(p == GRPC)
	opts := append(ClientOptions(p), connect.WithInterceptors(bearer(token)))
	return Clients{
		Users:      userv1connect.NewUserServiceClient(hc, url, opts...),
		Auth:       authv1connect.NewAuthServiceClient(hc, url, opts...),
		Workspaces: workspacev1connect.NewWorkspaceServiceClient(hc, url, opts...),
		Bases:      tablev1connect.NewBaseServiceClient(hc, url, opts...),
		Tables:     tablev1connect.NewTableServiceClient(hc, url, opts...),
		Views:      tablev1connect.NewViewServiceClient(hc, url, opts...),
		Operations: operationv1connect.NewOperationServiceClient(hc, url, opts...),
		Records:    datav1connect.NewRecordServiceClient(hc, url, opts...),
	}
}

func bearer(token string) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if token != "" {
				req.Header().Set("Authorization", "Bearer "+token)
			}
			return next(ctx, req)
		}
	}
}
