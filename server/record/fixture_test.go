package record_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/pagetoken"
	"github.com/pyairtable/pyairtable/server/record"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/user"
	"github.com/pyairtable/pyairtable/server/view"
	"github.com/pyairtable/pyairtable/server/workspace"
)

// tableEnv is what record tests start from: the services over a database,
// and a table made by the real schema service in a new base, owned by a
// new user.
type tableEnv struct {
	schemas *schema.Service
	views   *view.Service
	recs    *record.Service
	userID  string
	baseID  string
	table   *schema.Table
}

// newTableEnv makes a user with the email, a workspace, a base and a table
// with the fields.
func newTableEnv(t testing.TB, db *storage.DB, email string, specs []schema.FieldSpec) tableEnv {
	t.Helper()
	pages := pagetoken.New([]byte("record test key"))
	e := tableEnv{schemas: schema.NewService(db, pages, 7*24*time.Hour)}
	t.Cleanup(e.schemas.Close) // before the database closes: cleanups run last first
	e.views = view.NewService(db, pages, e.schemas)
	e.recs = record.NewService(db, e.schemas, e.views, pages, 0)
	err := db.InTx(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		u, err := user.Create(ctx, tx, email, "Ada")
		if err != nil {
			return err
		}
		e.userID = u.ID
		ws, err := workspace.NewService(db, pages).Create(ctx, tx, workspace.Owner{UserID: u.ID, Email: email}, "W", "")
		if err != nil {
			return err
		}
		base, err := e.schemas.CreateBase(ctx, tx, ws.ID, u.ID, "Base", "")
		if err != nil {
			return err
		}
		e.baseID = base.ID
		e.table, err = e.schemas.CreateTable(ctx, tx, base.ID, u.ID, "Things", "", specs)
		return err
	})
	if err != nil {
		t.Fatalf("make a table: %v", err)
	}
	return e
}
