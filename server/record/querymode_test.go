package record_test

import (
	"context"
	"strings"
	"testing"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/record"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

// A PostgreSQL URL that chooses its own query mode or turns pgx's
// statement cache off (as behind PgBouncer in transaction mode) is obeyed
// by every statement, bound ones included: records are written, updated
// and read.
func TestOperatorQueryModeIsObeyed(t *testing.T) {
	for _, opt := range []string{"statement_cache_capacity=0", "default_query_exec_mode=exec", "default_query_exec_mode=simple_protocol"} {
		t.Run(opt, func(t *testing.T) {
			base := storagetest.URL(t, storage.Postgres)
			sep := "?"
			if strings.Contains(base, "?") {
				sep = "&"
			}
			db, err := storage.Open(context.Background(), base+sep+opt)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			wMust(t, db.Migrate(context.Background(), storage.Metadata))
			f := wStart(t, db, wSpec("Name", tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT), wSpec("Qty", tablev1.FieldType_FIELD_TYPE_NUMBER))
			ids := f.mustCreate(t, map[string]any{"Name": "a", "Qty": 1}, map[string]any{"Name": "b"})
			_, etag := f.get(t, ids[0])
			_, err = f.update(t, record.UpdateOptions{}, wUp(t, ids[0], etag, map[string]any{"Qty": 2}))
			wMust(t, err)
			if got, _ := f.get(t, ids[0]); got["Qty"] != float64(2) || got["Name"] != "a" {
				t.Fatalf("record reads %v after the update", got)
			}
		})
	}
}
