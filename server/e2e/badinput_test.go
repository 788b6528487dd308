package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	commonv1 "github.com/pyairtable/pyairtable/gen/pyairtable/common/v1"
	userv1 "github.com/pyairtable/pyairtable/gen/pyairtable/user/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	"github.com/pyairtable/pyairtable/server/config"
	"github.com/pyairtable/pyairtable/server/servertest"
)

// badViolations returns the field paths named by an error's violations.
func badViolations(t *testing.T, err error) []string {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatalf("not a Connect error: %v", err)
	}
	var paths []string
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if derr != nil {
			continue
		}
		if vs, ok := v.(*validate.Violations); ok {
			for _, viol := range vs.GetViolations() {
				var names []string
				for _, el := range viol.GetField().GetElements() {
					names = append(names, el.GetFieldName())
				}
				paths = append(paths, strings.Join(names, "."))
			}
		}
	}
	return paths
}

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			env := servertest.Start(t, b, func(c *config.Config) { c.MaxRequestBytes = 4096 })
			ada := env.NewUser(t, "ada@example.com")
			ctx := context.Background()
			c := env.Clients(servertest.ConnectProto, ada.Token)
			w, err := c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "Base camp"}))
			servertest.NoErr(t, err)
			ws := w.Msg.GetWorkspace().GetId()
			before := servertest.Snapshot(t, env.Server.DB)

			t.Run("oversized request", func(t *testing.T) {
				big, _ := structpb.NewStruct(map[string]any{"notes": strings.Repeat("x", 8000)})
				_, err := c.Users.UpdateUser(ctx, connect.NewRequest(&userv1.UpdateUserRequest{UserId: ada.ID, Preferences: big}))
				servertest.WantCode(t, err, connect.CodeResourceExhausted)
				if !strings.Contains(err.Error(), "4096") {
					t.Errorf("message %q does not name the limit", err)
				}
			})
			t.Run("invalid fields are all named", func(t *testing.T) {
				_, err := c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{
					Name: strings.Repeat("n", 201), RequestId: "not a valid id!",
				}))
				servertest.WantCode(t, err, connect.CodeInvalidArgument, "INVALID_ARGUMENT")
				got := strings.Join(badViolations(t, err), ",")
				if got != "name,request_id" {
					t.Fatalf("violations name %q; want name,request_id", got)
				}
			})
			t.Run("unknown enum value", func(t *testing.T) {
				_, err := c.Workspaces.AddMember(ctx, connect.NewRequest(&workspacev1.AddMemberRequest{
					WorkspaceId: ws, Email: "x@example.com", Role: commonv1.Role(42),
				}))
				servertest.WantCode(t, err, connect.CodeInvalidArgument)
				if got := badViolations(t, err); len(got) != 1 || got[0] != "role" {
					t.Fatalf("violations %v; want role", got)
				}
				// In JSON, an unknown enum name is refused before validation.
				status, body := badPostJSON(t, env.URL, ada.Token, "/pyairtable.workspace.v1.WorkspaceService/AddMember",
					`{"workspaceId":"`+ws+`","email":"x@example.com","role":"ROLE_BOSS"}`)
				if status != http.StatusBadRequest || body["code"] != "invalid_argument" {
					t.Fatalf("unknown enum name: HTTP %d %v; want 400 invalid_argument", status, body)
				}
			})
			t.Run("page size over the cap", func(t *testing.T) {
				_, err := c.Workspaces.ListWorkspaces(ctx, connect.NewRequest(&workspacev1.ListWorkspacesRequest{PageSize: 1001}))
				servertest.WantCode(t, err, connect.CodeInvalidArgument)
				if got := badViolations(t, err); len(got) != 1 || got[0] != "page_size" {
					t.Fatalf("violations %v; want page_size", got)
				}
			})
			t.Run("forged page token", func(t *testing.T) {
				_, err := c.Workspaces.ListWorkspaces(ctx, connect.NewRequest(&workspacev1.ListWorkspacesRequest{PageToken: "eyJzIjoid29ya3NwYWNlcyJ9"}))
				servertest.WantCode(t, err, connect.CodeInvalidArgument, "INVALID_PAGE_TOKEN")
			})
			t.Run("unknown JSON field", func(t *testing.T) {
				status, body := badPostJSON(t, env.URL, ada.Token, "/pyairtable.workspace.v1.WorkspaceService/CreateWorkspace",
					`{"name":"x","ownerId":"usrAAAAAAAAAAAAAA"}`)
				if status != http.StatusBadRequest || body["code"] != "invalid_argument" {
					t.Fatalf("unknown field: HTTP %d %v; want 400 invalid_argument", status, body)
				}
			})
			if after := servertest.Snapshot(t, env.Server.DB); after != before {
				t.Fatalf("refused calls changed storage:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

func badPostJSON(t *testing.T, url, token, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+path, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestRequestIDAppliesOnce(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			env := servertest.Start(t, b)
			ada := env.NewUser(t, "ada@example.com")
			ctx := context.Background()
			c := env.Clients(servertest.ConnectJSON, ada.Token)
			req := &workspacev1.CreateWorkspaceRequest{Name: "Once", RequestId: "3f1c7a52-0b7e-4a8e-9a51-2f0c6c1b9d11"}

			// Ten concurrent retries of one request: one write, one answer.
			var wg sync.WaitGroup
			ids := make([]string, 10)
			errs := make([]error, 10)
			for i := range ids {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp, err := c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(proto.Clone(req).(*workspacev1.CreateWorkspaceRequest)))
					errs[i] = err
					if err == nil {
						ids[i] = resp.Msg.GetWorkspace().GetId()
					}
				}()
			}
			wg.Wait()
			for i := range ids {
				servertest.NoErr(t, errs[i])
				if ids[i] != ids[0] {
					t.Fatalf("retry %d returned %s; the first returned %s", i, ids[i], ids[0])
				}
			}
			list, err := c.Workspaces.ListWorkspaces(ctx, connect.NewRequest(&workspacev1.ListWorkspacesRequest{}))
			servertest.NoErr(t, err)
			if n := len(list.Msg.GetWorkspaces()); n != 1 {
				t.Fatalf("%d workspaces after retries; want 1", n)
			}

			// The same id with another request is refused and writes nothing.
			before := servertest.Snapshot(t, env.Server.DB)
			other := proto.Clone(req).(*workspacev1.CreateWorkspaceRequest)
			other.Name = "Twice"
			_, err = c.Workspaces.CreateWorkspace(ctx, connect.NewRequest(other))
			servertest.WantCode(t, err, connect.CodeInvalidArgument, "REQUEST_ID_REUSED")
			// So is the same id on another RPC.
			_, err = c.Workspaces.UpdateWorkspace(ctx, connect.NewRequest(&workspacev1.UpdateWorkspaceRequest{
				WorkspaceId: ids[0], Name: proto.String("Renamed"), RequestId: req.GetRequestId(),
			}))
			servertest.WantCode(t, err, connect.CodeInvalidArgument, "REQUEST_ID_REUSED")
			if after := servertest.Snapshot(t, env.Server.DB); after != before {
				t.Fatalf("a reused request id changed storage")
			}

			// Another caller may use the same id for its own request.
			bob := env.NewUser(t, "bob@example.com")
			bw, err := env.Clients(servertest.ConnectJSON, bob.Token).Workspaces.CreateWorkspace(ctx, connect.NewRequest(proto.Clone(req).(*workspacev1.CreateWorkspaceRequest)))
			servertest.NoErr(t, err)
			if bw.Msg.GetWorkspace().GetId() == ids[0] {
				t.Fatal("another caller got the first caller's response")
			}
		})
	}
}
