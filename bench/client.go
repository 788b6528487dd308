package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/pyairtable/pyairtable/gen/pyairtable/data/v1/datav1connect"
	operationv1 "github.com/pyairtable/pyairtable/gen/pyairtable/operation/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/operation/v1/operationv1connect"
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/table/v1/tablev1connect"
	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/user/v1/userv1connect"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	"github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1/workspacev1connect"
)

// newHTTPClient is the HTTP client every benchmark client uses: HTTP/1.1
// with keep-alive connections (up to conns), or HTTP/2 over cleartext
// (h2c, prior knowledge) on one connection.
func newHTTPClient(protocol string, conns int) *http.Client {
	tr := &http.Transport{
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		IdleConnTimeout:     90 * time.Second,
		// Compression is connect's to decide (see clientOptions).
		DisableCompression: true,
	}
	if protocol == "h2c" {
		var p http.Protocols
		p.SetUnencryptedHTTP2(true)
		tr.Protocols = &p
	}
	return &http.Client{Transport: tr}
}

// clientOptions are the connect client options: the Connect protocol with
// binary protobuf (connect's default: no WithProtoJSON, no WithGRPC), the
// token, and, unless gzip is true, no gzip (connect clients accept gzip
// responses by default, and connect handlers then compress every
// response).
func clientOptions(token string, gzip bool) []connect.ClientOption {
	opts := []connect.ClientOption{connect.WithInterceptors(bearer(token)), connect.WithReadMaxBytes(64 << 20)}
	if !gzip {
		opts = append(opts, connect.WithAcceptCompression("gzip", nil, nil))
	}
	return opts
}

// bearer adds the token to every call.
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

// clients are the generated clients of the server's services.
type clients struct {
	workspaces workspacev1connect.WorkspaceServiceClient
	bases      tablev1connect.BaseServiceClient
	tables     tablev1connect.TableServiceClient
	operations operationv1connect.OperationServiceClient
	users      userv1connect.UserServiceClient
	records    datav1connect.RecordServiceClient
}

func newClients(hc *http.Client, baseURL string, opts []connect.ClientOption) *clients {
	return &clients{
		workspaces: workspacev1connect.NewWorkspaceServiceClient(hc, baseURL, opts...),
		bases:      tablev1connect.NewBaseServiceClient(hc, baseURL, opts...),
		tables:     tablev1connect.NewTableServiceClient(hc, baseURL, opts...),
		operations: operationv1connect.NewOperationServiceClient(hc, baseURL, opts...),
		users:      userv1connect.NewUserServiceClient(hc, baseURL, opts...),
		records:    datav1connect.NewRecordServiceClient(hc, baseURL, opts...),
	}
}

// benchTable is a table made for the benchmark.
type benchTable struct {
	id string
	// fields maps a field name to its id.
	fields map[string]string
	// choices maps a select field's name and a choice name to its id.
	choices map[string]map[string]string
}

// userID returns the caller's user id.
func (c *clients) userID(ctx context.Context) (string, error) {
	resp, err := c.users.GetCurrentUser(ctx, connect.NewRequest(&userv1.GetCurrentUserRequest{}))
	if err != nil {
		return "", fmt.Errorf("GetCurrentUser: %w", err)
	}
	return resp.Msg.GetUser().GetId(), nil
}

// createBase makes a workspace and a base in it.
func (c *clients) createBase(ctx context.Context) (string, error) {
	ws, err := c.workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "Benchmark"}))
	if err != nil {
		return "", fmt.Errorf("CreateWorkspace: %w", err)
	}
	b, err := c.bases.CreateBase(ctx, connect.NewRequest(&tablev1.CreateBaseRequest{
		WorkspaceId: ws.Msg.GetWorkspace().GetId(), Name: "Benchmark"}))
	if err != nil {
		return "", fmt.Errorf("CreateBase: %w", err)
	}
	return b.Msg.GetBase().GetId(), nil
}

// createTable makes a table with the benchmark's fields and makes Email
// unique (an operation, waited for).
func (c *clients) createTable(ctx context.Context, baseID, name string) (*benchTable, error) {
	resp, err := c.tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{
		BaseId: baseID, Name: name, Fields: fieldSpecs()}))
	if err != nil {
		return nil, fmt.Errorf("CreateTable: %w", err)
	}
	t := &benchTable{id: resp.Msg.GetTable().GetId(), fields: map[string]string{}, choices: map[string]map[string]string{}}
	for _, f := range resp.Msg.GetTable().GetFields() {
		t.fields[f.GetName()] = f.GetId()
		if cs := f.GetOptions().GetSelect().GetChoices(); len(cs) > 0 {
			t.choices[f.GetName()] = map[string]string{}
			for _, ch := range cs {
				t.choices[f.GetName()][ch.GetName()] = ch.GetId()
			}
		}
	}
	for _, n := range fieldOrder {
		if t.fields[n] == "" {
			return nil, fmt.Errorf("CreateTable: field %s missing from the response", n)
		}
	}
	u, err := c.tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{
		TableId: t.id, FieldId: t.fields[fEmail], Unique: proto.Bool(true)}))
	if err != nil {
		return nil, fmt.Errorf("UpdateField unique: %w", err)
	}
	if err := c.waitOperation(ctx, t.id, u.Msg.GetOperation()); err != nil {
		return nil, fmt.Errorf("unique Email: %w", err)
	}
	return t, nil
}

// createIndex asks for an index on the fields (by name) and waits until it
// is built.
func (c *clients) createIndex(ctx context.Context, t *benchTable, names ...string) error {
	var ids []string
	for _, n := range names {
		ids = append(ids, t.fields[n])
	}
	resp, err := c.tables.CreateIndex(ctx, connect.NewRequest(&tablev1.CreateIndexRequest{TableId: t.id, Fields: ids}))
	if err != nil {
		return fmt.Errorf("CreateIndex: %w", err)
	}
	if err := c.waitOperation(ctx, t.id, resp.Msg.GetOperation()); err != nil {
		return fmt.Errorf("index on %s: %w", strings.Join(names, ", "), err)
	}
	return nil
}

// waitOperation polls an operation until it ends; a failed one is an error.
func (c *clients) waitOperation(ctx context.Context, tableID string, op *operationv1.Operation) error {
	for {
		switch op.GetState() {
		case operationv1.OperationState_OPERATION_STATE_SUCCEEDED:
			return nil
		case operationv1.OperationState_OPERATION_STATE_FAILED:
			return fmt.Errorf("operation %s failed: %s: %s", op.GetId(), op.GetError().GetReason(), op.GetError().GetMessage())
		}
		if op.GetId() == "" {
			return errors.New("no operation returned")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := c.operations.GetOperation(ctx, connect.NewRequest(&operationv1.GetOperationRequest{TableId: tableID, OperationId: op.GetId()}))
		if err != nil {
			return fmt.Errorf("GetOperation: %w", err)
		}
		op = resp.Msg.GetOperation()
	}
}
