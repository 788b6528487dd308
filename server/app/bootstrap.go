package app

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/auth"
	"github.com/pyairtable/pyairtable/server/user"
	"github.com/pyairtable/pyairtable/server/workspace"
)

// EnsureUser returns the user with the email, creating it (and linking its
// pending memberships) when missing. The operator vouches for the email.
func EnsureUser(ctx context.Context, tx bun.IDB, email string) (*user.User, error) {
	u, err := user.FindByEmail(ctx, tx, email)
	if err != nil || u != nil {
		return u, err
	}
	u, err = user.Create(ctx, tx, email, "")
	if err != nil {
		return nil, err
	}
	return u, workspace.LinkPending(ctx, tx, u.ID, email)
}

// CreateBootstrapToken creates the user with the email if missing and
// returns a new token with every scope for it.
func (s *Server) CreateBootstrapToken(ctx context.Context, email, name string) (string, error) {
	var secret string
	err := s.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		u, err := EnsureUser(ctx, tx, email)
		if err != nil {
			return err
		}
		if !u.Active() {
			return fmt.Errorf("user %s is deactivated", email)
		}
		_, secret, err = s.Tokens.CreateToken(ctx, tx, &access.Principal{UserID: u.ID, Admin: u.Admin},
			auth.NewToken{Name: name, Scopes: access.AllScopes})
		return err
	})
	return secret, err
}

// SetAdmin grants or withdraws administrator rights by email.
func (s *Server) SetAdmin(ctx context.Context, email string, admin bool) error {
	return s.DB.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		u, err := EnsureUser(ctx, tx, email)
		if err != nil {
			return err
		}
		return user.SetAdmin(ctx, tx, s.Tokens, u.ID, admin)
	})
}

// HasUsers reports whether any user exists.
func (s *Server) HasUsers(ctx context.Context) (bool, error) {
	n, err := s.DB.NewSelect().Table("users").Count(ctx)
	return n > 0, err
}
