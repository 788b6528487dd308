package schema

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/storage"
)

// Physical layout. PostgreSQL: one schema per base (so bases can be spread
// over nodes by schema-based sharding), one table per user table. SQLite: a
// table whose name carries the base and table ids. Field columns are named
// c1, c2, … in creation order and never reused, so renames touch metadata
// only.

// physicalSchema names a new base's PostgreSQL schema. Beside the default
// "public" schema it is the base id; when the metadata lives in another
// schema (such as a test's), that schema's name comes first, so every
// base's data stays with its metadata.
func physicalSchema(ctx context.Context, db bun.IDB, engine storage.Engine, baseID string) (string, error) {
	if engine != storage.Postgres {
		return "", nil
	}
	var current string
	if err := db.NewRaw("SELECT current_schema()").Scan(ctx, &current); err != nil {
		return "", err
	}
	if current == "public" || current == "" {
		return strings.ToLower(baseID), nil
	}
	return current + "_" + strings.ToLower(baseID), nil
}

// qualified returns the quoted physical name of a table.
func qualified(engine storage.Engine, base *Base, t *Table) string {
	if engine == storage.Postgres {
		return quote(base.PhysicalSchema) + "." + quote(t.PhysicalName)
	}
	return quote(t.PhysicalName)
}

func physicalTableName(engine storage.Engine, base *Base, tableID string) string {
	if engine == storage.Postgres {
		return strings.ToLower(tableID)
	}
	return "r_" + strings.ToLower(base.ID) + "_" + strings.ToLower(tableID)
}

// quote quotes an identifier; ours are made of letters, digits and '_'.
func quote(id string) string { return `"` + strings.ReplaceAll(id, `"`, `""`) + `"` }

// createBaseSchema makes a base's PostgreSQL schema.
func createBaseSchema(ctx context.Context, tx bun.IDB, engine storage.Engine, schema string) error {
	if engine != storage.Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "CREATE SCHEMA "+quote(schema))
	return err
}

// createPhysicalTable makes a user table with its system columns: seq
// (insertion order, for keyset pages), id ("rec…"), version (the etag),
// creation and change times and users, and the trash time.
func createPhysicalTable(ctx context.Context, tx bun.IDB, engine storage.Engine, name string) error {
	seq := "seq INTEGER PRIMARY KEY AUTOINCREMENT"
	ts := "TIMESTAMP"
	storageParams := ""
	if engine == storage.Postgres {
		seq = "seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
		ts = "TIMESTAMPTZ"
		// Room in each page for a changed row's new version: an update that
		// changes no indexed column then stays on its page and leaves every
		// index (the trigram search indexes above all) untouched.
		storageParams = " WITH (fillfactor = 80)"
	}
	ddl := fmt.Sprintf(`CREATE TABLE %s (
	%s,
	id TEXT NOT NULL UNIQUE,
	version BIGINT NOT NULL DEFAULT 1,
	created_at %s NOT NULL,
	updated_at %s NOT NULL,
	created_by TEXT NOT NULL DEFAULT '',
	updated_by TEXT NOT NULL DEFAULT '',
	deleted_at %s
)%s`, name, seq, ts, ts, ts, storageParams)
	_, err := tx.ExecContext(ctx, ddl)
	return err
}

// addColumn adds a field's column.
func addColumn(ctx context.Context, tx bun.IDB, table, column, sqlType string) error {
	_, err := tx.ExecContext(ctx, "ALTER TABLE "+table+" ADD COLUMN "+quote(column)+" "+sqlType)
	return err
}

// dropPhysical removes a table, or a base's schema with all its tables.
func dropPhysicalTable(ctx context.Context, tx bun.IDB, table string) error {
	_, err := tx.ExecContext(ctx, "DROP TABLE IF EXISTS "+table)
	return err
}

func dropBaseSchema(ctx context.Context, tx bun.IDB, engine storage.Engine, schema string) error {
	if engine != storage.Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+quote(schema)+" CASCADE")
	return err
}
