package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// MinKeyLength is the shortest key a server that is not on loopback
// accepts, in bytes.
const MinKeyLength = 16

// Key is one API key: a name (for logs and the access log), its roles and
// the SHA-256 digest of its secret. The secret itself is never kept.
type Key struct {
	Name   string
	Roles  []Role
	digest [sha256.Size]byte
}

// Has reports whether the key has role r.
func (k Key) Has(r Role) bool { return slices.Contains(k.Roles, r) }

// NewKey returns the key with the given secret.
func NewKey(name string, roles []Role, secret string) Key {
	return Key{Name: name, Roles: roles, digest: sha256.Sum256([]byte(secret))}
}

// PlainKeys are the keys of --api-keys (the simple mode): each has every
// role and is named by its position, key-1, key-2, …
func PlainKeys(secrets []string) []Key {
	keys := make([]Key, len(secrets))
	for i, s := range secrets {
		keys[i] = NewKey(plainName(i), AllRoles(), s)
	}
	return keys
}

func plainName(i int) string { return fmt.Sprintf("key-%d", i+1) }

// plainNameHint explains a clash on a name --api-keys gives its keys.
func plainNameHint(name string) string {
	if plainNames.MatchString(name) {
		return " (--api-keys names its keys key-1, key-2, … in order: give the keys file's keys other names)"
	}
	return ""
}

var plainNames = regexp.MustCompile(`^key-[1-9][0-9]*$`)

// CheckLength refuses plain keys shorter than MinKeyLength, naming them by
// position (key-2), never by value. Servers that are not on loopback call
// it at start-up.
func CheckLength(secrets []string) error {
	var errs []error
	for i, s := range secrets {
		if len(s) < MinKeyLength {
			errs = append(errs, fmt.Errorf("--api-keys: %s (the key in position %d) is shorter than %d bytes; make one with `connevents keys new`", plainName(i), i+1, MinKeyLength))
		}
	}
	return errors.Join(errs...)
}

// Keys is the set of accepted API keys. With no keys every request is let
// through with every role: the server only runs that way on loopback or
// with --insecure-no-auth.
type Keys struct {
	keys []Key
}

// NewKeys returns the checker for keys. Names must be valid and distinct,
// and no two keys may share a secret.
func NewKeys(keys ...Key) (*Keys, error) {
	names := map[string]bool{}
	digests := map[[sha256.Size]byte]string{}
	for _, k := range keys {
		if !validName.MatchString(k.Name) {
			return nil, errors.New(nameRule)
		}
		if names[k.Name] {
			return nil, fmt.Errorf("two keys are named %s%s", k.Name, plainNameHint(k.Name))
		}
		if other, dup := digests[k.digest]; dup {
			return nil, fmt.Errorf("keys %s and %s have the same secret", other, k.Name)
		}
		if len(k.Roles) == 0 {
			return nil, fmt.Errorf("key %s has no role", k.Name)
		}
		names[k.Name] = true
		digests[k.digest] = k.Name
	}
	return &Keys{keys: keys}, nil
}

// Load returns the keys of --api-keys (plain secrets) and --api-keys-file
// (path, or "" for none) together.
func Load(plain []string, path string) (*Keys, error) {
	keys := PlainKeys(plain)
	if path != "" {
		fromFile, err := ReadFile(path)
		if err != nil {
			return nil, err
		}
		keys = append(keys, fromFile...)
	}
	return NewKeys(keys...)
}

// Open reports whether no key is required.
func (k *Keys) Open() bool { return len(k.keys) == 0 }

// identify returns the key an authorization header value carries. The
// scheme is case-insensitive (`Bearer`, `bearer`). The secret's digest is
// compared in constant time with every key's, so the time taken does not
// reveal which key or how much of it matched.
func (k *Keys) identify(authorization string) (Key, bool) {
	scheme, token, _ := strings.Cut(strings.TrimSpace(authorization), " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return Key{}, false
	}
	d := sha256.Sum256([]byte(token))
	found := -1
	for i, key := range k.keys {
		eq := subtle.ConstantTimeCompare(d[:], key.digest[:])
		found = subtle.ConstantTimeSelect(eq, i, found)
	}
	if found < 0 {
		return Key{}, false
	}
	return k.keys[found], true
}

// validName is what a key's name may be: it is logged and stored in the
// access log, so it is short and plain.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

const nameRule = "a key name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"

// NewSecret returns a fresh random secret: 256 bits, URL-safe, with a cek_
// prefix that secret scanners can look for.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "cek_" + base64.RawURLEncoding.EncodeToString(b), nil
}

// FileLine is the keys-file line of a key with the given secret:
// `name roles sha256hex`.
func FileLine(name string, roles []Role, secret string) (string, error) {
	if !validName.MatchString(name) {
		return "", errors.New(nameRule)
	}
	if len(roles) == 0 {
		return "", errors.New("a key needs at least one role")
	}
	d := sha256.Sum256([]byte(secret))
	return name + " " + rolesText(roles) + " " + hex.EncodeToString(d[:]), nil
}
