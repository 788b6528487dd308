// Package auth turns credentials into a caller (access.Principal) and
// manages personal access tokens: creation with a shown-once secret kept as
// a hash, listing, revocation effective at once on every server, and the
// rule that a token only mints tokens within its own reach.
package auth

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// StringList is a list of strings stored as a JSON array in a text column,
// the same way on both engines.
type StringList []string

// Value encodes the list.
func (l StringList) Value() (driver.Value, error) {
	if l == nil {
		l = StringList{}
	}
	b, err := json.Marshal([]string(l))
	return string(b), err
}

// Scan decodes the list.
func (l *StringList) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	case nil:
		*l = nil
		return nil
	default:
		return fmt.Errorf("scan %T into StringList", src)
	}
	return json.Unmarshal(b, (*[]string)(l))
}

// Token is a stored personal access token.
type Token struct {
	bun.BaseModel `bun:"table:tokens"`

	ID           string     `bun:"id,pk"`
	UserID       string     `bun:"user_id"`
	Name         string     `bun:"name"`
	SecretHash   string     `bun:"secret_hash"`
	Scopes       StringList `bun:"scopes,type:text"`
	WorkspaceIDs StringList `bun:"workspace_ids,type:text"`
	BaseIDs      StringList `bun:"base_ids,type:text"`
	ExpiresAt    *time.Time `bun:"expires_at"`
	LastUsedAt   *time.Time `bun:"last_used_at"`
	RevokedAt    *time.Time `bun:"revoked_at"`
	CreatedBy    string     `bun:"created_by"`
	CreatedAt    time.Time  `bun:"created_at"`
}
