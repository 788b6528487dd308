package auth

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

// bumpEpoch records a change to credentials (see storage.BumpEpoch).
func bumpEpoch(ctx context.Context, tx bun.IDB) error {
	if err := storage.BumpEpoch(ctx, tx); err != nil {
		return apperr.Wrap(err, "record credentials change")
	}
	return nil
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
