package auth

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

// The credentials epoch is a counter in the database that every change to
// credentials (revocation, deactivation, administrator rights, ended
// sessions) raises in its own transaction. Servers that share Redis learn of
// such changes through it; a server without Redis watches the epoch instead
// and drops its in-process cache when it moves, so a change made by another
// process (such as the `pyairtable user admin` command) reaches it within
// a second.

// bumpEpoch raises the credentials epoch inside tx.
func bumpEpoch(ctx context.Context, tx bun.IDB) error {
	_, err := tx.NewUpdate().Table("settings").
		Set("value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)").
		Where("key = 'credentials_epoch'").Exec(ctx)
	if err != nil {
		return apperr.Wrap(err, "record credentials change")
	}
	return nil
}

// readEpoch returns the credentials epoch.
func readEpoch(ctx context.Context, db bun.IDB) (string, error) {
	var v string
	err := db.NewSelect().Table("settings").Column("value").Where("key = 'credentials_epoch'").Scan(ctx, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// WatchEpoch calls changed whenever the credentials epoch moves (and once
// more on the next check, to catch a reader that raced the change), until
// ctx ends. It checks every interval.
func WatchEpoch(ctx context.Context, db *storage.DB, every time.Duration, changed func()) {
	last, _ := readEpoch(ctx, db)
	t := time.NewTicker(every)
	defer t.Stop()
	pending := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		v, err := readEpoch(ctx, db)
		if err != nil {
			continue
		}
		if v != last || pending {
			pending = v != last
			last = v
			changed()
		}
	}
}

// lockActiveUser locks the user's row until tx ends (PostgreSQL; SQLite
// transactions hold the write lock already) and refuses a deactivated
// user, so that credentials are never created beside a concurrent
// deactivation that could miss them.
func lockActiveUser(ctx context.Context, tx bun.IDB, engine storage.Engine, userID string) error {
	q := tx.NewSelect().Table("users").Column("deactivated_at").Where("id = ?", userID)
	if engine == storage.Postgres {
		q = q.For("UPDATE")
	}
	var deactivated sql.NullTime
	if err := q.Scan(ctx, &deactivated); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("user %q not found", userID)
		}
		return apperr.Wrap(err, "lock user")
	}
	if deactivated.Valid {
		return apperr.New(apperr.FailedPrecondition, "USER_DEACTIVATED", "the user is deactivated")
	}
	return nil
}
