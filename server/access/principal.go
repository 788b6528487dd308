package access

import (
	"context"
	"slices"
	"time"
)

// The token scopes.
const (
	ScopeRecordsRead     = "data.records:read"
	ScopeRecordsWrite    = "data.records:write"
	ScopeSchemaRead      = "schema.bases:read"
	ScopeSchemaWrite     = "schema.bases:write"
	ScopeWorkspacesRead  = "workspaces:read"
	ScopeWorkspacesWrite = "workspaces:write"
	ScopeUsersRead       = "users:read"
	ScopeUsersWrite      = "users:write"
	ScopeTokensManage    = "tokens:manage"
)

// AllScopes lists every scope, in the order they are documented.
var AllScopes = []string{
	ScopeRecordsRead, ScopeRecordsWrite,
	ScopeSchemaRead, ScopeSchemaWrite,
	ScopeWorkspacesRead, ScopeWorkspacesWrite,
	ScopeUsersRead, ScopeUsersWrite,
	ScopeTokensManage,
}

// Principal is an authenticated caller: a user, through a personal access
// token or a session.
type Principal struct {
	// UserID is the calling user.
	UserID string
	// Admin is true for an instance administrator.
	Admin bool
	// TokenID is the personal access token used, if any.
	TokenID string
	// SessionID is the browser session used, if any.
	SessionID string
	// Scopes the caller holds; nil means every scope (sessions).
	Scopes []string
	// WorkspaceIDs limits the caller to these workspaces when not empty.
	WorkspaceIDs []string
	// BaseIDs limits the caller to these bases when not empty.
	BaseIDs []string
	// ExpiresAt is when the credentials expire, if they do.
	ExpiresAt *time.Time
}

// HasScope reports whether the caller holds the scope.
func (p *Principal) HasScope(scope string) bool {
	return p.Scopes == nil || slices.Contains(p.Scopes, scope)
}

// ReachesWorkspace reports whether the caller's credentials reach the
// workspace (membership is checked separately).
func (p *Principal) ReachesWorkspace(id string) bool {
	return len(p.WorkspaceIDs) == 0 || slices.Contains(p.WorkspaceIDs, id)
}

// ReachesBase reports whether the caller's credentials reach the base.
func (p *Principal) ReachesBase(id string) bool {
	return len(p.BaseIDs) == 0 || slices.Contains(p.BaseIDs, id)
}

// CallerID identifies the caller for idempotency records and rate limits:
// the token or session id, so that two tokens of one user are separate
// callers.
func (p *Principal) CallerID() string {
	switch {
	case p.TokenID != "":
		return p.TokenID
	case p.SessionID != "":
		return p.SessionID
	default:
		return p.UserID
	}
}

type principalKey struct{}

// WithPrincipal returns a context carrying the caller.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the caller, if the call is authenticated.
func FromContext(ctx context.Context) (*Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok && p != nil
}
