package main

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	workspacev1 "github.com/pyairtable/pyairtable/gen/pyairtable/workspace/v1"
	"github.com/pyairtable/pyairtable/server/servertest"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

// TestSchemaChangeSeenByOtherProcess: B serves a table's schema from its
// cache; a change made through A reaches B's cache at once through Redis,
// and B's next read shows it.
func TestSchemaChangeSeenByOtherProcess(t *testing.T) {
	t.Parallel()
	dbURL := storagetest.URL(t, storage.Postgres)
	env := sharedEnv(dbURL, true)
	ps := startServers(t, env, "A", "B")
	a, b := ps[0], ps[1]
	ctx := context.Background()
	token := createToken(t, dbURL, "ada@example.com")
	ca, cb := a.clients(token), b.clients(token)
	w, err := ca.Workspaces.CreateWorkspace(ctx, connect.NewRequest(&workspacev1.CreateWorkspaceRequest{Name: "W"}))
	servertest.NoErr(t, err)
	base, err := ca.Bases.CreateBase(ctx, connect.NewRequest(&tablev1.CreateBaseRequest{WorkspaceId: w.Msg.GetWorkspace().GetId(), Name: "B"}))
	servertest.NoErr(t, err)
	tbl, err := ca.Tables.CreateTable(ctx, connect.NewRequest(&tablev1.CreateTableRequest{BaseId: base.Msg.GetBase().GetId(), Name: "T",
		Fields: []*tablev1.FieldSpec{{Name: "Name", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT}}}))
	servertest.NoErr(t, err)
	id := tbl.Msg.GetTable().GetId()
	get := func() *tablev1.Table {
		resp, err := cb.Tables.GetTable(ctx, connect.NewRequest(&tablev1.GetTableRequest{TableId: id}))
		servertest.NoErr(t, err)
		return resp.Msg.GetTable()
	}
	const hits = `pyairtable_cache_requests_total{cache="schema",result="hit"}`
	const received = `pyairtable_cache_invalidations_received_total{cache="schema"}`
	get()
	get()
	if b.metric(t, hits) < 1 {
		t.Fatal("B's second read was not a cache hit")
	}
	before := b.metric(t, received)
	_, err = ca.Tables.UpdateTable(ctx, connect.NewRequest(&tablev1.UpdateTableRequest{TableId: id, Name: proto.String("Renamed")}))
	servertest.NoErr(t, err)
	if got := get().GetName(); got != "Renamed" {
		t.Fatalf("B reads the table as %q after A renamed it", got)
	}
	// The push from Redis is counted as it arrives.
	deadline := time.Now().Add(2 * time.Second)
	for b.metric(t, received) <= before {
		if time.Now().After(deadline) {
			t.Fatal("B counted no invalidation of its cached schema")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
