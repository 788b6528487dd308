package pyairtable

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"connectrpc.com/connect"

	"github.com/pyairtable/pyairtable/gen/pyairtable/auth/v1/authv1connect"
	"github.com/pyairtable/pyairtable/gen/pyairtable/data/v1/datav1connect"
	"github.com/pyairtable/pyairtable/gen/pyairtable/operation/v1/operationv1connect"
	"github.com/pyairtable/pyairtable/gen/pyairtable/table/v1/tablev1connect"
	"github.com/pyairtable/pyairtable/gen/pyairtable/user/v1/userv1connect"
	"github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1/workspacev1connect"
)

// Client reaches one PyAirtable server. Its fields are the generated
// Connect clients of every service; each call goes through the Client's
// interceptor (token, user agent, request ids, timeout, retries). A Client
// is safe for concurrent use.
type Client struct {
	// Users reads and changes users (pyairtable.user.v1.UserService).
	Users userv1connect.UserServiceClient
	// Auth manages personal access tokens and sessions
	// (pyairtable.auth.v1.AuthService).
	Auth authv1connect.AuthServiceClient
	// Workspaces manages workspaces and their members
	// (pyairtable.workspace.v1.WorkspaceService).
	Workspaces workspacev1connect.WorkspaceServiceClient
	// Bases manages bases (pyairtable.table.v1.BaseService).
	Bases tablev1connect.BaseServiceClient
	// Tables manages tables, fields, indexes and schema versions
	// (pyairtable.table.v1.TableService).
	Tables tablev1connect.TableServiceClient
	// Views manages saved views (pyairtable.table.v1.ViewService).
	Views tablev1connect.ViewServiceClient
	// Operations follows long-running operations
	// (pyairtable.operation.v1.OperationService).
	Operations operationv1connect.OperationServiceClient
	// Records reads and writes records (pyairtable.data.v1.RecordService).
	Records datav1connect.RecordServiceClient

	baseURL   string
	protocol  Protocol
	batchSize int
}

// New returns a Client for the server at baseURL, such as
// "http://localhost:8080" or "https://airtable.example.com".
//
// Without options the Client speaks Connect with binary messages, sends no
// token, retries with DefaultRetryPolicy and uses an HTTP client that
// speaks HTTP/1.1 and HTTP/2 (and, for GRPC, cleartext HTTP/2 to http://
// URLs).
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("pyairtable: base URL %q must be an http:// or https:// URL with a host", baseURL)
	}
	s := settings{protocol: ConnectBinary, userAgent: DefaultUserAgent, retry: DefaultRetryPolicy, batchSize: MaxBatch}
	for _, o := range opts {
		if err := o(&s); err != nil {
			return nil, err
		}
	}
	hc := s.httpClient
	if hc == nil {
		hc = DefaultHTTPClient(s.protocol)
	}
	baseURL = strings.TrimRight(baseURL, "/")
	copts := []connect.ClientOption{connect.WithInterceptors(newInterceptor(s))}
	switch s.protocol {
	case ConnectJSON:
		copts = append(copts, connect.WithProtoJSON())
	case GRPC:
		copts = append(copts, connect.WithGRPC())
	case GRPCWeb:
		copts = append(copts, connect.WithGRPCWeb())
	}
	return &Client{
		Users:      userv1connect.NewUserServiceClient(hc, baseURL, copts...),
		Auth:       authv1connect.NewAuthServiceClient(hc, baseURL, copts...),
		Workspaces: workspacev1connect.NewWorkspaceServiceClient(hc, baseURL, copts...),
		Bases:      tablev1connect.NewBaseServiceClient(hc, baseURL, copts...),
		Tables:     tablev1connect.NewTableServiceClient(hc, baseURL, copts...),
		Views:      tablev1connect.NewViewServiceClient(hc, baseURL, copts...),
		Operations: operationv1connect.NewOperationServiceClient(hc, baseURL, copts...),
		Records:    datav1connect.NewRecordServiceClient(hc, baseURL, copts...),
		baseURL:    baseURL,
		protocol:   s.protocol,
		batchSize:  s.batchSize,
	}, nil
}

// BaseURL returns the server's base URL, without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// Protocol returns the protocol the Client speaks.
func (c *Client) Protocol() Protocol { return c.protocol }

// DefaultHTTPClient returns the HTTP client New uses for a protocol when
// given none. For GRPC it speaks only HTTP/2: over TLS as negotiated, and
// to http:// URLs cleartext HTTP/2 with prior knowledge (h2c), as the
// server accepts. For the other protocols it speaks HTTP/1.1 to http://
// URLs (so any proxy in between works) and HTTP/2 over TLS when offered.
func DefaultHTTPClient(p Protocol) *http.Client {
	var protos http.Protocols
	protos.SetHTTP2(true)
	if p == GRPC {
		protos.SetUnencryptedHTTP2(true)
	} else {
		protos.SetHTTP1(true)
	}
	return &http.Client{Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		Protocols:           &protos,
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
	}}
}
