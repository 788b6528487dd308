// Package pagetoken makes the opaque page tokens of list calls: a keyset
// cursor, bound to the list it came from and signed with the instance's
// secret key, so a client can neither forge nor reuse one elsewhere.
package pagetoken

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"

	"github.com/pyairtable/pyairtable/server/apperr"
)

// Page sizes.
const (
	DefaultSize = 100
	MaxSize     = 1000
)

// Size returns the page size to use for a requested one: DefaultSize for 0.
// Sizes above MaxSize are refused by request validation before this.
func Size(n int) int {
	if n <= 0 {
		return DefaultSize
	}
	return min(n, MaxSize)
}

// ErrMismatch is returned for a token that is malformed, forged or from
// another list.
var ErrMismatch = apperr.New(apperr.InvalidArgument, "INVALID_PAGE_TOKEN",
	"page_token is not a next_page_token of this list with these parameters; start again without it")

// Codec signs and checks page tokens.
type Codec struct{ key []byte }

// New returns a Codec signing with key.
func New(key []byte) *Codec {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("pyairtable page token"))
	return &Codec{key: mac.Sum(nil)}
}

type envelope struct {
	Scope  string          `json:"s"`
	Cursor json.RawMessage `json:"c"`
}

// Encode returns a token holding cursor for the list named by scope (which
// should include every parameter that shapes the list).
func (c *Codec) Encode(scope string, cursor any) (string, error) {
	raw, err := json.Marshal(cursor)
	if err != nil {
		return "", apperr.Wrap(err, "encode page token")
	}
	body, _ := json.Marshal(envelope{Scope: scope, Cursor: raw})
	mac := hmac.New(sha256.New, c.key)
	mac.Write(body)
	return base64.RawURLEncoding.EncodeToString(append(mac.Sum(nil)[:16], body...)), nil
}

// Decode checks a token made by Encode for the same scope and reads its
// cursor into dst.
func (c *Codec) Decode(token, scope string, dst any) error {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) < 16 {
		return ErrMismatch
	}
	sig, body := raw[:16], raw[16:]
	mac := hmac.New(sha256.New, c.key)
	mac.Write(body)
	if !hmac.Equal(sig, mac.Sum(nil)[:16]) {
		return ErrMismatch
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil || env.Scope != scope {
		return ErrMismatch
	}
	if err := json.Unmarshal(env.Cursor, dst); err != nil {
		return ErrMismatch
	}
	return nil
}

// Trim turns rows read with a limit of size+1 into one page: the first size
// rows, and the token of the next page (made from the last row kept by
// cursor), empty when there is no more.
func Trim[T any](c *Codec, scope string, rows []T, size int, cursor func(last T) any) ([]T, string, error) {
	if len(rows) <= size {
		return rows, "", nil
	}
	rows = rows[:size]
	next, err := c.Encode(scope, cursor(rows[size-1]))
	return rows, next, err
}
