package auth

import (
	"fmt"
	"slices"
	"strings"
)

// Role is one kind of access a key may be given.
type Role string

// The roles. A key has one or more.
const (
	// Ingest may send events: the two ingest RPCs and the 1upHealth push
	// route. A webhook relay's key needs nothing else.
	Ingest Role = "ingest"
	// Read may read what the service holds: events, connections, the
	// funnel, sources and subscriptions.
	Read Role = "read"
	// Admin may run the service: dead letters, rebuilds, the access log,
	// anything operational.
	Admin Role = "admin"
)

// AllRoles lists every role, in the order of the documentation.
func AllRoles() []Role { return []Role{Ingest, Read, Admin} }

// ParseRoles reads a comma-separated list of roles, such as "read,admin".
// Every role must be known; repeats are dropped; the result is in the
// order of AllRoles. An error never repeats the input.
func ParseRoles(s string) ([]Role, error) {
	seen := map[Role]bool{}
	for _, word := range strings.Split(s, ",") {
		r := Role(strings.TrimSpace(word))
		if !slices.Contains(AllRoles(), r) {
			// The word is not repeated: a misplaced secret must not reach a
			// log or terminal.
			return nil, fmt.Errorf("roles must be a comma-separated list of %s", rolesText(AllRoles()))
		}
		seen[r] = true
	}
	var out []Role
	for _, r := range AllRoles() {
		if seen[r] {
			out = append(out, r)
		}
	}
	return out, nil
}

// rolesText writes roles as the keys file does: "read,admin".
func rolesText(roles []Role) string {
	words := make([]string, len(roles))
	for i, r := range roles {
		words[i] = string(r)
	}
	return strings.Join(words, ",")
}
