// Package user keeps users: profiles, the first-user administrator rule,
// and deactivation, which stops a user's tokens and sessions at once.
package user

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/pyairtable/pyairtable/server/apperr"
	"github.com/pyairtable/pyairtable/server/ids"
)

// User is a stored user.
type User struct {
	bun.BaseModel `bun:"table:users"`

	ID            string     `bun:"id,pk"`
	Email         *string    `bun:"email"`
	DisplayName   string     `bun:"display_name"`
	AvatarURL     string     `bun:"avatar_url"`
	TimeZone      string     `bun:"time_zone"`
	Locale        string     `bun:"locale"`
	Preferences   string     `bun:"preferences"`
	Admin         bool       `bun:"admin"`
	DeactivatedAt *time.Time `bun:"deactivated_at"`
	CreatedAt     time.Time  `bun:"created_at"`
	UpdatedAt     time.Time  `bun:"updated_at"`
}

// EmailOrEmpty returns the email, or "" when the user has none.
func (u *User) EmailOrEmpty() string {
	if u.Email == nil {
		return ""
	}
	return *u.Email
}

// Active reports whether the user may use the instance.
func (u *User) Active() bool { return u.DeactivatedAt == nil }

// MaxPreferencesBytes bounds the preferences object, as JSON.
const MaxPreferencesBytes = 16 << 10

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// NormalizeEmail lower-cases and trims an email address.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Get returns a user by id; NotFound if there is none.
func Get(ctx context.Context, db bun.IDB, id string) (*User, error) {
	u := new(User)
	err := db.NewSelect().Model(u).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("user %q not found", id).With("user_id", id)
	}
	if err != nil {
		return nil, apperr.Wrap(err, "load user")
	}
	return u, nil
}

// FindByEmail returns the user with the email, or nil.
func FindByEmail(ctx context.Context, db bun.IDB, email string) (*User, error) {
	u := new(User)
	err := db.NewSelect().Model(u).Where("email = ?", NormalizeEmail(email)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, apperr.Wrap(err, "find user")
	}
	return u, nil
}

// Create stores a new user. The first user of an empty instance becomes
// its administrator. The display name defaults to the email's local part.
func Create(ctx context.Context, tx bun.IDB, email, displayName string) (*User, error) {
	if tx.Dialect().Name() == dialect.PG {
		// Serialise the first-user check, so two first sign-ins cannot both
		// become administrator (SQLite transactions hold the write lock).
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7202)"); err != nil {
			return nil, apperr.Wrap(err, "lock users")
		}
	}
	n, err := tx.NewSelect().Table("users").Count(ctx)
	if err != nil {
		return nil, apperr.Wrap(err, "count users")
	}
	email = NormalizeEmail(email)
	if displayName == "" {
		displayName, _, _ = strings.Cut(email, "@")
	}
	t := now()
	u := &User{
		ID: ids.New(ids.User), DisplayName: displayName, TimeZone: "UTC", Locale: "en",
		Preferences: "{}", Admin: n == 0, CreatedAt: t, UpdatedAt: t,
	}
	if email != "" {
		u.Email = &email
	}
	if _, err := tx.NewInsert().Model(u).Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "create user")
	}
	return u, nil
}

// Patch holds the profile fields to change; nil fields are kept.
type Patch struct {
	DisplayName *string
	AvatarURL   *string
	TimeZone    *string
	Locale      *string
	Preferences map[string]any // nil: keep
}

// Update applies a patch to a user's profile.
func Update(ctx context.Context, tx bun.IDB, id string, p Patch) (*User, error) {
	u, err := Get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if p.DisplayName != nil {
		name := strings.TrimSpace(*p.DisplayName)
		if name == "" {
			return nil, apperr.Invalid("display_name", "string.min_len", "must not be blank")
		}
		u.DisplayName = name
	}
	if p.AvatarURL != nil {
		u.AvatarURL = *p.AvatarURL
	}
	if p.TimeZone != nil {
		if _, err := time.LoadLocation(*p.TimeZone); err != nil || *p.TimeZone == "Local" {
			return nil, apperr.Invalid("time_zone", "time_zone.iana",
				"unknown time zone "+quote(*p.TimeZone)+`; use an IANA name such as "Europe/Paris"`)
		}
		u.TimeZone = *p.TimeZone
	}
	if p.Locale != nil {
		u.Locale = *p.Locale
	}
	if p.Preferences != nil {
		raw, err := json.Marshal(p.Preferences)
		if err != nil {
			return nil, apperr.Invalid("preferences", "preferences.json", "must be a JSON object")
		}
		if len(raw) > MaxPreferencesBytes {
			return nil, apperr.Invalid("preferences", "preferences.max_bytes", "must be at most 16 KiB as JSON").
				With("limit_bytes", "16384")
		}
		u.Preferences = string(raw)
	}
	u.UpdatedAt = now()
	if _, err := tx.NewUpdate().Model(u).WherePK().Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "update user")
	}
	return u, nil
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// CredentialInvalidator drops cached credentials of a user on every server.
type CredentialInvalidator interface {
	// InvalidateUser drops the user's cached tokens and sessions.
	InvalidateUser(ctx context.Context, db bun.IDB, userID string) error
}

// Deactivate stops a user: marks them deactivated, ends their sessions and
// drops their cached credentials everywhere, inside tx. An administrator
// cannot deactivate themselves (FailedPrecondition), so an instance keeps
// one. Deactivating a deactivated user returns it unchanged.
func Deactivate(ctx context.Context, tx bun.IDB, inv CredentialInvalidator, actorID, id string) (*User, error) {
	if actorID == id {
		return nil, apperr.New(apperr.FailedPrecondition, "SELF_DEACTIVATION",
			"you cannot deactivate yourself; ask another administrator")
	}
	u, err := Get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if !u.Active() {
		return u, nil
	}
	t := now()
	u.DeactivatedAt = &t
	u.UpdatedAt = t
	if _, err := tx.NewUpdate().Model(u).Column("deactivated_at", "updated_at").WherePK().Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "deactivate user")
	}
	if _, err := tx.NewUpdate().Table("sessions").Set("revoked_at = ?", t).
		Where("user_id = ? AND revoked_at IS NULL", id).Exec(ctx); err != nil {
		return nil, apperr.Wrap(err, "end sessions")
	}
	if err := inv.InvalidateUser(ctx, tx, id); err != nil {
		return nil, apperr.Wrap(err, "invalidate credentials")
	}
	return u, nil
}

// SetAdmin grants or withdraws instance administrator rights.
func SetAdmin(ctx context.Context, tx bun.IDB, inv CredentialInvalidator, id string, admin bool) error {
	res, err := tx.NewUpdate().Table("users").Set("admin = ?", admin).Set("updated_at = ?", now()).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return apperr.Wrap(err, "set administrator")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFoundf("user %q not found", id)
	}
	return inv.InvalidateUser(ctx, tx, id)
}

// Visible reports whether viewer may see target: themselves, a user who
// shares a workspace with them (one of reach, when reach is not nil: an
// empty reach reaches nobody), or anyone for an administrator whose
// credentials are not limited (reach nil).
func Visible(ctx context.Context, db bun.IDB, viewerID string, viewerAdmin bool, reach []string, targetID string) (bool, error) {
	if viewerID == targetID || (viewerAdmin && reach == nil) {
		return true, nil
	}
	if reach != nil && len(reach) == 0 {
		return false, nil // limited credentials that reach nothing
	}
	q := db.NewSelect().TableExpr("members AS a").
		Join("JOIN members AS b ON b.workspace_id = a.workspace_id").
		Where("a.user_id = ? AND b.user_id = ?", viewerID, targetID)
	if reach != nil {
		q = q.Where("a.workspace_id IN (?)", bun.In(reach))
	}
	n, err := q.Limit(1).Count(ctx)
	if err != nil {
		return false, apperr.Wrap(err, "check shared workspace")
	}
	return n > 0, nil
}
