package servertest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/pyairtable/pyairtable/server/storage"
)

// snapshotQueries read every metadata table in a stable order. Token use
// times are left out: authenticating records them, even for a call that is
// then refused.
var snapshotQueries = []string{
	"SELECT id, COALESCE(email, ''), display_name, avatar_url, time_zone, locale, preferences, admin, deactivated_at IS NULL, updated_at FROM users ORDER BY id",
	"SELECT id, user_id, issuer, subject FROM identities ORDER BY id",
	"SELECT id, user_id, name, scopes, workspace_ids, base_ids, revoked_at IS NULL FROM tokens ORDER BY id",
	"SELECT id, user_id, revoked_at IS NULL FROM sessions ORDER BY id",
	"SELECT id, name, description, updated_at FROM workspaces ORDER BY id",
	"SELECT workspace_id, COALESCE(user_id, ''), COALESCE(email, ''), role FROM members ORDER BY workspace_id, COALESCE(email, ''), COALESCE(user_id, '')",
	"SELECT caller_id, request_id, procedure FROM idempotency_records ORDER BY caller_id, request_id",
	"SELECT id, workspace_id, name, description, deleted_at IS NULL, updated_at FROM bases ORDER BY id",
	"SELECT id, base_id, name, description, primary_field_id, etag, deleted_at IS NULL FROM user_tables ORDER BY id",
	"SELECT id, table_id, name, type, options, required, column_name, deleted_at IS NULL FROM fields ORDER BY id",
	"SELECT table_id, column_name FROM retired_columns ORDER BY table_id, column_name",
	"SELECT id, table_id, field_ids, is_unique, state FROM table_indexes ORDER BY id",
	"SELECT id, table_id, name, kind, filter, sorts, visible_field_ids, settings, position, updated_at FROM views ORDER BY id",
	"SELECT id, kind, table_id FROM operations ORDER BY id",
	"SELECT id, kind, table_id, record_ids FROM change_log ORDER BY id",
}

// Snapshot returns the content of every metadata table as text, so a test
// can prove that a refused call changed nothing.
func Snapshot(t testing.TB, db *storage.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range snapshotQueries {
		rows, err := db.QueryContext(context.Background(), q)
		if err != nil {
			t.Fatalf("snapshot %q: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		b.WriteString("--\n")
	}
	snapshotRecords(t, db, &b)
	return b.String()
}

// snapshotRecords adds every user table's records (id, version and
// whether deleted) to a snapshot.
func snapshotRecords(t testing.TB, db *storage.DB, b *strings.Builder) {
	t.Helper()
	ctx := context.Background()
	var tables []struct {
		ID       string `bun:"id"`
		Schema   string `bun:"physical_schema"`
		Physical string `bun:"physical_name"`
	}
	if err := db.NewSelect().TableExpr("user_tables AS t").Join("JOIN bases AS b ON b.id = t.base_id").
		ColumnExpr("t.id, b.physical_schema, t.physical_name").OrderExpr("t.id").Scan(ctx, &tables); err != nil {
		t.Fatalf("snapshot tables: %v", err)
	}
	for _, tb := range tables {
		name := `"` + tb.Physical + `"`
		if db.Engine == storage.Postgres {
			name = `"` + tb.Schema + `".` + name
		}
		var rows []struct {
			ID      string `bun:"id"`
			Version int64  `bun:"version"`
			Live    bool   `bun:"live"`
		}
		if err := db.NewRaw("SELECT id, version, deleted_at IS NULL AS live FROM "+name+" ORDER BY id").Scan(ctx, &rows); err != nil {
			// A purged table has no physical table any more.
			fmt.Fprintln(b, tb.ID, "unreadable")
			continue
		}
		fmt.Fprintln(b, tb.ID, rows)
	}
}
