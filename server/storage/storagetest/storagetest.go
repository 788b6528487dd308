// Package storagetest gives tests a fresh, migrated database on every engine.
// PostgreSQL is reached at PYAIRTABLE_TEST_POSTGRES_URL (default
// postgres://root@127.0.0.1:5432/postgres?sslmode=disable); a test that
// cannot reach it fails, it is never skipped.
package storagetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/storage"
)

// PostgresURL is the server the tests use.
func PostgresURL() string {
	if u := os.Getenv("PYAIRTABLE_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://root@127.0.0.1:5432/postgres?sslmode=disable"
}

// Engines lists the engines every storage test runs on.
var Engines = []storage.Engine{storage.SQLite, storage.Postgres}

// URL returns the URL of a new, empty database on the engine, removed when
// the test ends: a file in the test's temporary folder for SQLite, a new
// schema (selected with search_path) for PostgreSQL.
func URL(t testing.TB, engine storage.Engine) string {
	t.Helper()
	if engine == storage.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "pyairtable.db")
	}
	schema := "t_" + strings.ToLower(ids.Random(12))
	admin, err := sql.Open("pgx", PostgresURL())
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("PostgreSQL at %s is needed by this test: %v", PostgresURL(), err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", PostgresURL())
		if err != nil {
			return
		}
		defer admin.Close()
		// Bases keep their data in schemas named after the test's schema.
		rows, err := admin.Query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, schema+`\_%`)
		if err == nil {
			var names []string
			for rows.Next() {
				var n string
				if rows.Scan(&n) == nil {
					names = append(names, n)
				}
			}
			rows.Close()
			for _, n := range names {
				_, _ = admin.Exec(`DROP SCHEMA "` + n + `" CASCADE`)
			}
		}
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresURL(), err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a new, migrated database on the engine, closed when the test
// ends.
func Open(t testing.TB, engine storage.Engine) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), URL(t, engine))
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(context.Background(), storage.Metadata); err != nil {
		t.Fatalf("migrate %s: %v", engine, err)
	}
	return db
}

// Each runs body once per engine, as subtests named after the engines.
func Each(t *testing.T, body func(t *testing.T, db *storage.DB)) {
	t.Helper()
	for _, engine := range Engines {
		t.Run(string(engine), func(t *testing.T) {
			body(t, Open(t, engine))
		})
	}
}

// Name returns a short description of the database for messages.
func Name(db *storage.DB) string { return fmt.Sprintf("%s database", db.Engine) }
