package signin

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/pyairtable/pyairtable/server/access"
	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/ids"
	"github.com/pyairtable/pyairtable/server/storage"
	"github.com/pyairtable/pyairtable/server/user"
	"github.com/pyairtable/pyairtable/server/workspace"
)

// identity is a stored sign-in identity: an issuer and a subject, tied to
// one user.
type identity struct {
	bun.BaseModel `bun:"table:identities"`

	ID        string    `bun:"id,pk"`
	UserID    string    `bun:"user_id"`
	Issuer    string    `bun:"issuer"`
	Subject   string    `bun:"subject"`
	Email     string    `bun:"email"`
	CreatedAt time.Time `bun:"created_at"`
}

func refused(reason, format string, args ...any) error {
	return apperr.New(apperr.Unauthenticated, reason, format, args...)
}

// userFor returns the user of verified claims, provisioning a user and an
// identity on first sign-in. Email is taken only when verified; never does
// an email alone attach an identity to an existing user. Pending
// memberships for a verified email are linked to the new user.
func (p *Provider) userFor(ctx context.Context, db *storage.DB, c *Claims) (*user.User, error) {
	if len(p.cfg.AllowedDomains) > 0 && (c.Email == "" || !p.domainAllowed(c.Email)) {
		return nil, refused("DOMAIN_NOT_ALLOWED",
			"sign-in is limited to verified email addresses of %v", p.cfg.AllowedDomains)
	}
	// Most calls come from a known identity: a read, no write lock.
	var known identity
	err := db.NewSelect().Model(&known).Where("issuer = ? AND subject = ?", c.Issuer, c.Subject).Scan(ctx)
	if err == nil {
		u, err := user.Get(ctx, db, known.UserID)
		if err != nil {
			return nil, err
		}
		if !u.Active() {
			return nil, refused("USER_DEACTIVATED", "this account is deactivated; ask an administrator")
		}
		return u, nil
	}
	var u *user.User
	for attempt := 0; ; attempt++ {
		err := db.InTx(ctx, func(ctx context.Context, tx bun.Tx) error {
			var err error
			u, err = p.findOrCreate(ctx, tx, c)
			return err
		})
		if err != nil && storage.IsUniqueViolation(err) && attempt == 0 {
			continue // a concurrent first sign-in created it: read it
		}
		if err != nil {
			return nil, err
		}
		break
	}
	if !u.Active() {
		return nil, refused("USER_DEACTIVATED", "this account is deactivated; ask an administrator")
	}
	return u, nil
}

func (p *Provider) findOrCreate(ctx context.Context, tx bun.IDB, c *Claims) (*user.User, error) {
	var idn identity
	err := tx.NewSelect().Model(&idn).Where("issuer = ? AND subject = ?", c.Issuer, c.Subject).Scan(ctx)
	if err == nil {
		return user.Get(ctx, tx, idn.UserID)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.Wrap(err, "find identity")
	}
	email := c.Email
	if email != "" {
		taken, err := user.FindByEmail(ctx, tx, email)
		if err != nil {
			return nil, err
		}
		if taken != nil {
			// The address belongs to another user; email never merges accounts.
			slog.WarnContext(ctx, "new identity's email belongs to another user; the new user gets no email",
				"issuer", c.Issuer, "existing_user_id", taken.ID)
			email = ""
		}
	}
	name := c.Name
	if name == "" && email == "" {
		name = "New user"
	}
	u, err := user.Create(ctx, tx, email, name)
	if err != nil {
		return nil, err
	}
	idn = identity{ID: ids.New(ids.Identity), UserID: u.ID, Issuer: c.Issuer, Subject: c.Subject, Email: c.Email, CreatedAt: u.CreatedAt}
	if _, err := tx.NewInsert().Model(&idn).Exec(ctx); err != nil {
		return nil, err
	}
	if email != "" {
		if err := workspace.LinkPending(ctx, tx, u.ID, email); err != nil {
			return nil, err
		}
	}
	return user.Get(ctx, tx, u.ID)
}

// Principal authenticates a bearer ID token: the client id or a further
// configured audience. Refusals are Unauthenticated and create nothing.
func (p *Provider) Principal(ctx context.Context, db *storage.DB, raw string) (*access.Principal, error) {
	c, err := p.verify(ctx, raw, true)
	if err != nil {
		slog.DebugContext(ctx, "ID token refused", "err", err)
		if errors.Is(err, errUnavailable) {
			return nil, apperr.New(apperr.Unauthenticated, "PROVIDER_UNAVAILABLE", "the sign-in provider cannot be reached; try again shortly")
		}
		return nil, refused("INVALID_CREDENTIALS", "the ID token is invalid or expired: sign in again")
	}
	u, err := p.userFor(ctx, db, c)
	if err != nil {
		return nil, err
	}
	return &access.Principal{UserID: u.ID, Admin: u.Admin}, nil
}
