// Package access holds who is calling (the principal), what they may do
// (scopes and workspace roles), and the policy that checks each RPC's
// access declaration from the contract.
package access

import "fmt"

// Role is a workspace role. Higher roles include the lower ones.
type Role int

// The roles, lowest first.
const (
	RoleNone Role = iota
	RoleReader
	RoleCommenter
	RoleEditor
	RoleCreator
	RoleOwner
)

var roleNames = []string{"none", "reader", "commenter", "editor", "creator", "owner"}

// String returns the role's name as stored: "reader", …, "owner".
func (r Role) String() string {
	if r < 0 || int(r) >= len(roleNames) {
		return fmt.Sprintf("role(%d)", int(r))
	}
	return roleNames[r]
}

// ParseRole reads a stored role name.
func ParseRole(s string) (Role, error) {
	for i, n := range roleNames {
		if n == s && i > 0 {
			return Role(i), nil
		}
	}
	return RoleNone, fmt.Errorf("unknown role %q", s)
}

// AtLeast reports whether r includes min.
func (r Role) AtLeast(min Role) bool { return r >= min }
