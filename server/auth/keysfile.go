package auth

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// ReadFile reads a keys file (--api-keys-file); see ParseFile.
func ReadFile(path string) ([]Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--api-keys-file: %w", err)
	}
	defer f.Close()
	keys, err := ParseFile(f)
	if err != nil {
		return nil, fmt.Errorf("--api-keys-file %s: %w", path, err)
	}
	return keys, nil
}

// ParseFile reads keys, one per line:
//
//	# name  roles        sha256 of the secret, in hex
//	relay   ingest       9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//	console read,admin   …
//
// Blank lines and lines starting with # are skipped. The file holds no
// usable secret, only digests. An error names the line and the field, and
// never repeats the line's content: a secret pasted by mistake must not
// reach a log.
func ParseFile(r io.Reader) ([]Key, error) {
	var keys []Key
	var errs []error
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := parseLine(line)
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", n, err))
			continue
		}
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(keys) == 0 {
		return nil, errors.New("no keys: want lines of `name roles sha256hex`")
	}
	return keys, nil
}

func parseLine(line string) (Key, error) {
	fields := strings.Fields(line)
	if len(fields) != 3 {
		return Key{}, fmt.Errorf("want 3 fields `name roles sha256hex`, found %d", len(fields))
	}
	if !validName.MatchString(fields[0]) {
		return Key{}, errors.New(nameRule)
	}
	roles, err := ParseRoles(fields[1])
	if err != nil {
		return Key{}, err
	}
	d, err := hex.DecodeString(fields[2])
	k := Key{Name: fields[0], Roles: roles}
	if err != nil || len(d) != len(k.digest) {
		return Key{}, errors.New("the third field must be the SHA-256 of the secret as 64 hex digits (`connevents keys new` prints the line)")
	}
	copy(k.digest[:], d)
	return k, nil
}
