package e2e_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"
	"google.golang.org/protobuf/proto"

	operationv1 "github.com/pyairtable/pyairtable/gen/pyairtable/operation/v1"
	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/servertest"
	"github.com/pyairtable/pyairtable/server/storage"
)

func TestUniqueField(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f := schStart(t, b)
			ctx := context.Background()
			tbl := f.createTable(t, "Contacts", text("Name"), text("Email"))
			email := tbl.GetFields()[1]
			col := f.column(t, tbl.GetId(), email.GetId())
			for _, e := range []string{"a@x.io", "b@x.io", "a@x.io", "c@x.io", "b@x.io", "a@x.io"} {
				f.insert(t, tbl.GetId(), map[string]any{col: e})
			}
			// Over duplicates: the operation fails naming them, and the field is unchanged.
			before := servertest.Snapshot(t, f.env.Server.DB)
			resp, err := f.c.Tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{TableId: tbl.GetId(), FieldId: email.GetId(), Unique: proto.Bool(true)}))
			servertest.NoErr(t, err)
			op := resp.Msg.GetOperation()
			if op.GetState() != operationv1.OperationState_OPERATION_STATE_FAILED || op.GetError().GetReason() != "UNIQUE_VIOLATION" ||
				!strings.Contains(op.GetError().GetMessage(), `"a@x.io" (3 records)`) || !strings.Contains(op.GetError().GetMessage(), `"b@x.io" (2 records)`) {
				t.Fatalf("operation = %v; want FAILED naming a@x.io and b@x.io", op)
			}
			if resp.Msg.GetField().GetUnique() {
				t.Fatal("the field became unique over duplicates")
			}
			idx, err := f.c.Tables.ListIndexes(ctx, connect.NewRequest(&tablev1.ListIndexesRequest{TableId: tbl.GetId()}))
			servertest.NoErr(t, err)
			if len(idx.Msg.GetIndexes()) != 0 {
				t.Fatalf("indexes after a failed unique = %v", idx.Msg.GetIndexes())
			}
			// The call itself is a schema change (a version and its change-log
			// entry); the failed operation adds only its record.
			if after := servertest.Snapshot(t, f.env.Server.DB); strings.Count(after, "\n") != strings.Count(before, "\n")+2 ||
				strings.Count(after, " schema "+tbl.GetId()) != strings.Count(before, " schema "+tbl.GetId())+1 {
				t.Fatalf("a failed unique changed more than its operation record and one change-log entry:\n%s\n%s", before, after)
			}

			// Without duplicates it succeeds; a duplicate write is refused, a trashed one does not count.
			phys, err := f.env.Server.Schema.Physical(ctx, f.env.Server.DB, tbl.GetId())
			servertest.NoErr(t, err)
			_, err = f.env.Server.DB.ExecContext(ctx, "DELETE FROM "+phys+` WHERE "`+col+`" IN ('a@x.io', 'b@x.io')`)
			servertest.NoErr(t, err)
			resp, err = f.c.Tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{TableId: tbl.GetId(), FieldId: email.GetId(), Unique: proto.Bool(true)}))
			servertest.NoErr(t, err)
			if resp.Msg.GetOperation().GetState() != operationv1.OperationState_OPERATION_STATE_SUCCEEDED || !resp.Msg.GetField().GetUnique() {
				t.Fatalf("unique over distinct values: %v, field %v", resp.Msg.GetOperation(), resp.Msg.GetField())
			}
			if err := uniqInsert(ctx, f, phys, col, "c@x.io", false); !storage.IsUniqueViolation(err) {
				t.Fatalf("duplicate write: %v; want a unique violation", err)
			}
			servertest.NoErr(t, uniqInsert(ctx, f, phys, col, "c@x.io", true))

			// Twenty concurrent writers of one value: exactly one wins.
			var wg sync.WaitGroup
			var mu sync.Mutex
			won, lost := 0, 0
			for range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := uniqInsert(ctx, f, phys, col, "race@x.io", false)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						won++
					case storage.IsUniqueViolation(err):
						lost++
					default:
						t.Errorf("writer failed otherwise: %v", err)
					}
				}()
			}
			wg.Wait()
			if won != 1 || lost != 19 {
				t.Fatalf("%d writers won and %d lost; want 1 and 19", won, lost)
			}

			// Off again: the index goes and duplicates are allowed.
			resp, err = f.c.Tables.UpdateField(ctx, connect.NewRequest(&tablev1.UpdateFieldRequest{TableId: tbl.GetId(), FieldId: email.GetId(), Unique: proto.Bool(false)}))
			servertest.NoErr(t, err)
			if resp.Msg.GetField().GetUnique() {
				t.Fatal("unique stayed on")
			}
			servertest.NoErr(t, uniqInsert(ctx, f, phys, col, "c@x.io", false))
		})
	}
}

func uniqInsert(ctx context.Context, f *schFixture, phys, col, value string, trashed bool) error {
	now := time.Now().UTC()
	var deleted any
	if trashed {
		deleted = now
	}
	_, err := f.env.Server.DB.ExecContext(ctx, "INSERT INTO "+phys+` (id, created_at, updated_at, deleted_at, "`+col+`") VALUES (?, ?, ?, ?, ?)`,
		ids.New(ids.Record), now, now, deleted, value)
	return err
}

// TestIndexIsUsed loads 10,000 rows and checks that the database plans an
// equality filter and a sort on the indexed field with the index.
func TestIndexIsUsed(t *testing.T) {
	for _, b := range servertest.Backends {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f := schStart(t, b)
			ctx := context.Background()
			tbl := f.createTable(t, "Events", text("Name"), &tablev1.FieldSpec{Name: "Score", Type: tablev1.FieldType_FIELD_TYPE_NUMBER})
			nameCol, scoreCol := f.column(t, tbl.GetId(), tbl.GetFields()[0].GetId()), f.column(t, tbl.GetId(), tbl.GetFields()[1].GetId())
			phys, err := f.env.Server.Schema.Physical(ctx, f.env.Server.DB, tbl.GetId())
			servertest.NoErr(t, err)
			now := time.Now().UTC()
			for chunk := 0; chunk < 10; chunk++ {
				var vals []string
				var args []any
				for i := range 1000 {
					n := chunk*1000 + i
					vals = append(vals, "(?, ?, ?, ?, ?)")
					args = append(args, fmt.Sprintf("rec%014d", n), now, now, fmt.Sprintf("event %d", n), float64(n%977))
				}
				_, err := f.env.Server.DB.ExecContext(ctx, "INSERT INTO "+phys+` (id, created_at, updated_at, "`+nameCol+`", "`+scoreCol+`") VALUES `+strings.Join(vals, ", "), args...)
				servertest.NoErr(t, err)
			}
			resp, err := f.c.Tables.CreateIndex(ctx, connect.NewRequest(&tablev1.CreateIndexRequest{TableId: tbl.GetId(), Fields: []string{"score"}}))
			servertest.NoErr(t, err)
			if resp.Msg.GetIndex().GetState() != tablev1.IndexState_INDEX_STATE_READY {
				t.Fatalf("index = %v, operation %v; want READY", resp.Msg.GetIndex(), resp.Msg.GetOperation())
			}
			ixName := "ix_" + strings.ToLower(resp.Msg.GetIndex().GetId())
			explain := "EXPLAIN QUERY PLAN "
			if b.Engine == storage.Postgres {
				explain = "EXPLAIN "
			}
			_, err = f.env.Server.DB.ExecContext(ctx, "ANALYZE "+phys)
			servertest.NoErr(t, err)
			for _, q := range []string{
				"SELECT id FROM " + phys + ` WHERE "` + scoreCol + `" = 42 AND deleted_at IS NULL`,
				"SELECT id FROM " + phys + ` WHERE deleted_at IS NULL ORDER BY "` + scoreCol + `" ASC NULLS FIRST, seq ASC LIMIT 100`, // as record lists sort
			} {
				rows, err := f.env.Server.DB.QueryContext(ctx, explain+q)
				servertest.NoErr(t, err)
				var plan []string
				cols, _ := rows.Columns()
				for rows.Next() {
					vals := make([]any, len(cols))
					ptrs := make([]any, len(cols))
					for i := range vals {
						ptrs[i] = &vals[i]
					}
					servertest.NoErr(t, rows.Scan(ptrs...))
					plan = append(plan, fmt.Sprint(vals...))
				}
				rows.Close()
				if !strings.Contains(strings.Join(plan, "\n"), ixName) {
					t.Errorf("plan for %s does not use %s:\n%s", q, ixName, strings.Join(plan, "\n"))
				}
			}
		})
	}
}

// TestInterruptedIndexBuildIsCleanedUp: an index build whose server died
// left an invalid index behind (PostgreSQL); another server picks the job up
// when its lease runs out, drops the invalid index and builds it.
func TestInterruptedIndexBuildIsCleanedUp(t *testing.T) {
	b := servertest.Backends[1]
	if b.Engine != storage.Postgres {
		t.Fatal("the second backend must be PostgreSQL")
	}
	f := schStart(t, b)
	ctx := context.Background()
	tbl := f.createTable(t, "Jobs", text("Name"))
	col := f.column(t, tbl.GetId(), tbl.GetFields()[0].GetId())
	for _, v := range []string{"x", "x", "y"} {
		f.insert(t, tbl.GetId(), map[string]any{col: v})
	}
	phys, err := f.env.Server.Schema.Physical(ctx, f.env.Server.DB, tbl.GetId())
	servertest.NoErr(t, err)
	// The index and its job, as a server stores them before it dies.
	var idx, opID string
	err = f.env.Server.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		i, op, err := f.env.Server.Schema.CreateIndex(ctx, tx, tbl.GetId(), f.userID, []string{"Name"})
		if err == nil {
			idx, opID = i.PhysicalName, op.ID
		}
		return err
	})
	servertest.NoErr(t, err)
	// Its concurrent build was cut off: an invalid index with that name (made
	// here by a unique build over duplicates, which fails half-way).
	_, err = f.env.Server.DB.ExecContext(ctx, `CREATE UNIQUE INDEX CONCURRENTLY "`+idx+`" ON `+phys+` ("`+col+`")`)
	if err == nil {
		t.Fatal("the unique build over duplicates succeeded")
	}
	_, err = f.env.Server.DB.ExecContext(ctx, "UPDATE operations SET state = 'running', lease_owner = 'dead', lease_until = ? WHERE id = ?",
		time.Now().UTC().Add(-time.Minute), opID)
	servertest.NoErr(t, err)
	// The running server's worker resumes it within a few seconds.
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := f.c.Operations.GetOperation(ctx, connect.NewRequest(&operationv1.GetOperationRequest{TableId: tbl.GetId(), OperationId: opID}))
		servertest.NoErr(t, err)
		if got.Msg.GetOperation().GetState() == operationv1.OperationState_OPERATION_STATE_SUCCEEDED {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("operation still %v after 10 s", got.Msg.GetOperation())
		}
		time.Sleep(100 * time.Millisecond)
	}
	var valid []bool
	err = f.env.Server.DB.NewRaw(`SELECT i.indisvalid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid WHERE c.relname = ?`, idx).Scan(ctx, &valid)
	servertest.NoErr(t, err)
	if len(valid) != 1 || !valid[0] {
		t.Fatalf("index %s validity = %v; want one valid index", idx, valid)
	}
}
