package auth

import (
	"context"
	"database/sql"
	"errors"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/storage"
)

// forget drops cached credentials everywhere, inside the transaction that
// changes them: the cache keeps tombstones, so a server that reads the old
// rows before the commit cannot put them back; and the cache epoch moves
// for servers without Redis (see storage.BumpEpoch).
func (s *Service) forget(ctx context.Context, tx bun.IDB, keys ...string) error {
	if len(keys) > 0 {
		if err := s.cache.Invalidate(ctx, keys...); err != nil {
			return apperr.Wrap(err, "invalidate credentials cache")
		}
	}
	return apperr.Wrap(storage.BumpEpoch(ctx, tx), "record credentials change")
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
