package cache

import (
	"context"
	"log/slog"
	"time"

	"github.com/pyairtable/pyairtable/server/storage"
)

// DefaultSettle is how long, after a change ends, data loaded before it
// may not be cached: far longer than a load takes, far shorter than a
// tombstone's full life.
const DefaultSettle = 5 * time.Second

// settleTimeout bounds the Settle after a change. When it fails the
// tombstone keeps its full life: the data is read from the database
// meanwhile, which is slower but never stale.
const settleTimeout = 2 * time.Second

// Invalidator is the part of a Cache that writers use.
type Invalidator interface {
	Invalidate(ctx context.Context, keys ...string) error
	Settle(ctx context.Context, d time.Duration, keys ...string) error
}

// InvalidateInTx invalidates keys inside the transaction of ctx (one begun
// by storage.DB.InTx), so that a reader of the old data cannot put it back
// before the commit, and once the transaction has ended settles their
// tombstones to settle, so that the keys are cached again soon.
func InvalidateInTx(ctx context.Context, c Invalidator, settle time.Duration, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	if err := c.Invalidate(ctx, keys...); err != nil {
		return err
	}
	storage.AfterTx(ctx, func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
		defer cancel()
		if err := c.Settle(sctx, settle, keys...); err != nil {
			slog.WarnContext(ctx, "cache settle failed; the keys are read from the database until their tombstones expire", "keys", keys, "err", err)
		}
	})
	return nil
}
