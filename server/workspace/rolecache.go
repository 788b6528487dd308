package workspace

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/cache"
	"github.com/pyairtable/pyairtable/server/storage"
)

// Cache keeps each user's workspace roles for the access check every call
// makes. Invalidate must reach every server sharing it, Fill must not
// overwrite a key invalidated moments before, and Settle shortens that
// guard once the change has committed.
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Fill(ctx context.Context, key string, val []byte, ttl time.Duration) error
	Invalidate(ctx context.Context, keys ...string) error
	Settle(ctx context.Context, d time.Duration, keys ...string) error
}

// rolesTTL bounds how long a user's cached roles live without a change.
const rolesTTL = 5 * time.Minute

// SetCache makes MemberRole read a user's roles through c. After a
// membership change, roles loaded before it may not be cached for settle
// (cache.DefaultSettle when settle <= 0).
func (s *Service) SetCache(c Cache, settle time.Duration) {
	if settle <= 0 {
		settle = cache.DefaultSettle
	}
	s.cache, s.settle = c, settle
}

func rolesKey(userID string) string { return "mbr:" + userID }

// userRoles returns the user's roles by workspace id, from the cache when
// it holds them. The map is shared: callers must not change it.
func (s *Service) userRoles(ctx context.Context, userID string) (map[string]string, error) {
	key := rolesKey(userID)
	if raw, ok, err := s.cache.Get(ctx, key); err == nil && ok {
		if roles, ok := s.decoded.Lookup(userID, raw); ok {
			return roles, nil
		}
		var roles map[string]string
		if json.Unmarshal(raw, &roles) == nil && roles != nil {
			s.decoded.Store(userID, raw, roles)
			return roles, nil
		}
	}
	var rows []struct {
		WorkspaceID string `bun:"workspace_id"`
		Role        string `bun:"role"`
	}
	if err := s.db.NewSelect().Table("members").Column("workspace_id", "role").
		Where("user_id = ?", userID).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	roles := make(map[string]string, len(rows))
	for _, r := range rows {
		roles[r.WorkspaceID] = r.Role
	}
	if raw, err := json.Marshal(roles); err == nil {
		if err := s.cache.Fill(ctx, key, raw, rolesTTL); err != nil {
			slog.WarnContext(ctx, "member role cache fill failed", "err", err)
		}
	}
	return roles, nil
}

// forget drops the cached roles of users whose memberships tx changes,
// inside tx, and lets them be cached again from the settle delay after tx
// has ended. It also raises the cache epoch for servers without Redis.
func (s *Service) forget(ctx context.Context, tx bun.IDB, userIDs ...string) error {
	if len(userIDs) == 0 {
		return nil
	}
	if s.cache != nil {
		keys := make([]string, len(userIDs))
		for i, id := range userIDs {
			keys[i] = rolesKey(id)
			s.decoded.Forget(id)
		}
		if err := cache.InvalidateInTx(ctx, s.cache, s.settle, keys...); err != nil {
			return err
		}
	}
	return storage.BumpEpoch(ctx, tx)
}

// roleOf reads one role from a user's roles.
func roleOf(roles map[string]string, workspaceID string) (access.Role, error) {
	r, ok := roles[workspaceID]
	if !ok {
		return access.RoleNone, nil
	}
	return access.ParseRole(r)
}
