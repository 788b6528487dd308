// Package ids makes and checks the Airtable-style ids of PyAirtable objects:
// a three-letter prefix and 14 letters or digits, such as "wspA1b2C3d4E5f6G7".
package ids

import (
	"crypto/rand"
	"strings"
)

// Prefixes of the object kinds.
const (
	User      = "usr"
	Token     = "pat"
	Session   = "ses"
	Workspace = "wsp"
	Base      = "app"
	Identity  = "idn"
	Table     = "tbl"
	Field     = "fld"
	Choice    = "sel"
	Record    = "rec"
	Index     = "idx"
	Operation = "opr"
	View      = "viw"
	Version   = "ver"
	Change    = "chg"
)

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// Length is the number of characters after the prefix.
const Length = 14

// New returns a new random id with the prefix.
func New(prefix string) string {
	return prefix + Random(Length)
}

// Random returns n random letters and digits from a cryptographic source.
func Random(n int) string {
	var b strings.Builder
	b.Grow(n)
	buf := make([]byte, n*2)
	for b.Len() < n {
		_, _ = rand.Read(buf)
		for _, c := range buf {
			// 248 = 4*62 keeps the choice uniform.
			if c < 248 && b.Len() < n {
				b.WriteByte(alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return b.String()
}

// Valid reports whether s is an id with the prefix.
func Valid(prefix, s string) bool {
	if len(s) != len(prefix)+Length || !strings.HasPrefix(s, prefix) {
		return false
	}
	for _, c := range s[len(prefix):] {
		if !strings.ContainsRune(alphabet, c) {
			return false
		}
	}
	return true
}
