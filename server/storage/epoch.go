package storage

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/uptrace/bun"
)

// The cache epoch is a counter in the database that every change to
// cached data (credentials, schemas) raises in its own transaction. A
// server without Redis watches it and drops its in-process caches when it
// moves, so a change made by another process reaches it within a second.
// (With Redis, invalidations reach every process at once instead.)

// BumpEpoch raises the cache epoch inside tx.
func BumpEpoch(ctx context.Context, tx bun.IDB) error {
	_, err := tx.NewUpdate().Table("settings").
		Set("value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)").
		Where("key = 'credentials_epoch'").Exec(ctx)
	return err
}

func readEpoch(ctx context.Context, db bun.IDB) (string, error) {
	var v string
	err := db.NewSelect().Table("settings").Column("value").Where("key = 'credentials_epoch'").Scan(ctx, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// WatchEpoch calls changed whenever the cache epoch moves (and once more on
// the next check, to catch a reader that raced the change), until ctx
// ends. It checks every interval.
func WatchEpoch(ctx context.Context, db *DB, every time.Duration, changed func()) {
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
