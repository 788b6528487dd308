// Package auth turns credentials into a caller (access.Principal) and
// manages personal access tokens: creation with a shown-once secret kept as
// a hash, listing, revocation effective at once on every server, and the
// rule that a token only mints tokens within its own reach.
package auth

import (
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/storage"
)

// Token is a stored personal access token.
type Token struct {
	bun.BaseModel `bun:"table:tokens"`

	ID           string             `bun:"id,pk"`
	UserID       string             `bun:"user_id"`
	Name         string             `bun:"name"`
	SecretHash   string             `bun:"secret_hash"`
	Scopes       storage.StringList `bun:"scopes,type:text"`
	WorkspaceIDs storage.StringList `bun:"workspace_ids,type:text"`
	BaseIDs      storage.StringList `bun:"base_ids,type:text"`
	ExpiresAt    *time.Time         `bun:"expires_at"`
	LastUsedAt   *time.Time         `bun:"last_used_at"`
	RevokedAt    *time.Time         `bun:"revoked_at"`
	CreatedBy    string             `bun:"created_by"`
	CreatedAt    time.Time          `bun:"created_at"`
}
