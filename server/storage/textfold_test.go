package storage_test

import (
	"context"
	"testing"

	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/storage/storagetest"
)

// TestCaseFoldingIsUnicodeOnBothEngines: lower() and upper() fold letters
// beyond ASCII the same way on SQLite as on PostgreSQL.
func TestCaseFoldingIsUnicodeOnBothEngines(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		var lower, upper string
		var null *string
		if err := db.NewRaw("SELECT lower(?), upper(?), lower(NULL)", "ÉCOLE Ÿ Ω", "école ÿ ω").Scan(ctx, &lower, &upper, &null); err != nil {
			t.Fatal(err)
		}
		if lower != "école ÿ ω" || upper != "ÉCOLE Ÿ Ω" || null != nil {
			t.Fatalf("lower = %q, upper = %q, lower(NULL) = %v; want \"école ÿ ω\", \"ÉCOLE Ÿ Ω\", NULL", lower, upper, null)
		}
		var n int
		if err := db.NewRaw("SELECT COUNT(*) WHERE lower(?) LIKE lower(?)", "Crème BRÛLÉE", "%brûlée").Scan(ctx, &n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Fatal("lower(…) LIKE lower(…) does not match across case beyond ASCII")
		}
	})
}
