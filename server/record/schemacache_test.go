package record_test

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	tablev1 "github.com/pyairtable/pyairtable/gen/pyairtable/table/v1"
	"github.com/pyairtable/pyairtable/server/cache"
	"github.com/pyairtable/pyairtable/server/schema"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

// A table's schema is cached again shortly after a schema change commits
// (not only after the tombstone's full life), and what is cached then is
// the new schema.
func TestSchemaCachedAgainAfterChange(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		e := newTableEnv(t, db, "cache@example.com", []schema.FieldSpec{{Name: "Name", Type: tablev1.FieldType_FIELD_TYPE_SINGLE_LINE_TEXT}})
		c := cache.NewMemory("schema", nil)
		const settle = 200 * time.Millisecond
		e.schemas.SetCache(c, settle)
		key := "tbl:" + e.table.ID
		cachedFields := func() int {
			t.Helper()
			tb, err := e.schemas.Table(ctx, e.table.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := c.Get(ctx, key); !ok {
				return -1
			}
			return len(tb.Fields)
		}
		if n := cachedFields(); n != 1 {
			t.Fatalf("after the first read: cached table with %d fields; want 1 (-1: not cached)", n)
		}
		err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			_, _, err := e.schemas.CreateField(ctx, tx, e.table.ID, "", schema.FieldSpec{Name: "Notes", Type: tablev1.FieldType_FIELD_TYPE_LONG_TEXT})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		changed := time.Now()
		if n := cachedFields(); n != -1 && time.Since(changed) < settle {
			t.Fatalf("right after the change: cached table with %d fields; want none cached yet", n)
		}
		time.Sleep(time.Until(changed.Add(settle + 50*time.Millisecond)))
		if n := cachedFields(); n != 2 {
			t.Fatalf("after the change settled: cached table with %d fields; want 2 (-1: not cached)", n)
		}
	})
}
