package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
)

// Migration is one step of the metadata schema. Steps never change once
// released; a new need gets a new step.
type Migration struct {
	// ID orders the steps; it is stored once the step is applied.
	ID string
	// SQL is the statements of the step, separated by ";\n". The placeholders
	// {{ts}} (a timestamp with time zone) and {{bytes}} (binary) are replaced
	// with each engine's type.
	SQL string
	// Only limits the step to one engine ("": both). On the other engine
	// it is recorded as applied without running.
	Only Engine
}

// Migrate applies the steps not applied yet, each in its own transaction
// together with its record, so a failed step leaves nothing behind. Several
// servers starting at once apply each step once: PostgreSQL serialises them
// on an advisory lock, SQLite on its write lock.
func (db *DB) Migrate(ctx context.Context, steps []Migration) error {
	err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := db.lockMigrations(ctx, tx); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			id TEXT PRIMARY KEY,
			applied_at `+db.tsType()+` NOT NULL)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	for _, step := range steps {
		err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			if err := db.lockMigrations(ctx, tx); err != nil {
				return err
			}
			n, err := tx.NewSelect().Table("schema_migrations").Where("id = ?", step.ID).Count(ctx)
			if err != nil || n > 0 {
				return err
			}
			if step.Only != "" && step.Only != db.Engine {
				step.SQL = ""
			}
			for _, stmt := range strings.Split(db.expand(step.SQL), ";\n") {
				if strings.TrimSpace(stmt) == "" {
					continue
				}
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("%s: %w", strings.TrimSpace(stmt), err)
				}
			}
			_, err = tx.ExecContext(ctx, "INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)",
				step.ID, time.Now().UTC())
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", step.ID, err)
		}
	}
	return nil
}

// lockMigrations serialises migrating servers on PostgreSQL until the
// transaction ends. SQLite transactions already hold the write lock.
func (db *DB) lockMigrations(ctx context.Context, tx bun.Tx) error {
	if db.Engine != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7201)")
	return err
}

func (db *DB) tsType() string {
	if db.Engine == Postgres {
		return "TIMESTAMPTZ"
	}
	return "TIMESTAMP"
}

func (db *DB) expand(sql string) string {
	bytesType := "BLOB"
	if db.Engine == Postgres {
		bytesType = "BYTEA"
	}
	return strings.NewReplacer("{{ts}}", db.tsType(), "{{bytes}}", bytesType).Replace(sql)
}
