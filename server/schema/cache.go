package schema

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/cache"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Cache keeps tables' schemas for the hot path. Invalidate must reach every
// server sharing it, and Fill must not overwrite a key invalidated moments
// before (so a reader that loaded the old schema cannot put it back).
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Fill(ctx context.Context, key string, val []byte, ttl time.Duration) error
	Invalidate(ctx context.Context, keys ...string) error
	Settle(ctx context.Context, d time.Duration, keys ...string) error
}

// schemaTTL bounds how long a cached schema lives without a change.
const schemaTTL = 5 * time.Minute

// SetCache makes table reads go through c. After a schema change ends, a
// table's schema loaded before it may not be cached for settle (default
// cache.DefaultSettle when settle <= 0).
func (s *Service) SetCache(c Cache, settle time.Duration) {
	if settle <= 0 {
		settle = cache.DefaultSettle
	}
	s.cache, s.settle = c, settle
}

func schemaKey(tableID string) string { return "tbl:" + tableID }

// Table returns a table with its fields like GetTable, served from the
// cache when it holds the table: the read every request about a table
// makes. A table read from the cache is decoded once per version and
// shared by the callers that read it: they must not change it.
func (s *Service) Table(ctx context.Context, id string) (*Table, error) {
	if s.cache == nil {
		return s.GetTable(ctx, s.db, id)
	}
	key := schemaKey(id)
	if raw, ok, err := s.cache.Get(ctx, key); err == nil && ok {
		if t, ok := s.decoded.Lookup(id, raw); ok {
			return t, nil
		}
		var t Table
		if json.Unmarshal(raw, &t) == nil && t.ID == id {
			s.decoded.Store(id, raw, &t)
			return &t, nil
		}
	}
	t, err := s.GetTable(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if raw, err := json.Marshal(t); err == nil {
		if err := s.cache.Fill(ctx, key, raw, schemaTTL); err != nil {
			slog.WarnContext(ctx, "schema cache fill failed", "err", err)
		}
	}
	return t, nil
}

// invalidate drops a table's cached schema everywhere, inside the
// transaction that changes it (the cache keeps a tombstone, so a reader of
// the old schema cannot put it back before the commit), and raises the
// cache epoch for servers without Redis.
func (s *Service) invalidate(ctx context.Context, tx bun.IDB, tableID string) error {
	if s.cache != nil {
		if err := cache.InvalidateInTx(ctx, s.cache, s.settle, schemaKey(tableID)); err != nil {
			return err
		}
	}
	return storage.BumpEpoch(ctx, tx)
}
