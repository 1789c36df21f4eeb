package main

import (
	"errors"
	"fmt"

	"github.com/connevents/connevents/server/auth"
)

// keysNew prints a fresh API key: the secret on the first line (give it to
// the client), the keys-file line `name roles sha256hex` on the second (add
// it to --api-keys-file). Only the second line is kept by the server.
func keysNew(args []string) error {
	fs := newFlagSet("keys new", nil)
	name := fs.String("name", "", "the key's name, shown in logs and the access log (required)")
	roles := fs.String("roles", "", "comma-separated roles: ingest, read, admin (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *name == "" || *roles == "" {
		return errors.New("keys new needs --name and --roles, such as --name relay --roles ingest")
	}
	rs, err := auth.ParseRoles(*roles)
	if err != nil {
		return fmt.Errorf("--roles: %w", err)
	}
	secret, err := auth.NewSecret()
	if err != nil {
		return err
	}
	line, err := auth.FileLine(*name, rs, secret)
	if err != nil {
		return fmt.Errorf("--name: %w", err)
	}
	fmt.Println(secret)
	fmt.Println(line)
	return nil
}
