package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connevents/connevents/server/auth"
)

// TestKeysNewCommand: the first line is a secret, the second its keys-file
// line, which the server accepts and which grants that secret exactly the
// roles asked for.
func TestKeysNewCommand(t *testing.T) {
	out, err := runCLI(t, "keys", "new", "--name", "relay", "--roles", "ingest,read")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("printed %q, want two lines", out)
	}
	secret, line := lines[0], lines[1]
	if len(secret) < auth.MinKeyLength || strings.Contains(line, secret) {
		t.Fatalf("secret %q, line %q", secret, line)
	}
	if f := strings.Fields(line); len(f) != 3 || f[0] != "relay" || f[1] != "ingest,read" || len(f[2]) != 64 {
		t.Fatalf("keys-file line %q", line)
	}
	path := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(path, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	keys, err := auth.Load(nil, path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := keys.Authorize("POST /v1/oneup/audit-events", []string{"Bearer " + secret})
	if err != nil || c.Key != "relay" {
		t.Errorf("the printed key is refused: %+v, %v", c, err)
	}
	if _, err := keys.Authorize("/connevents.v1.ConnectionEventService/ListEvents", []string{"Bearer " + secret}); err != nil {
		t.Errorf("the printed key cannot read: %v", err)
	}

	again, _ := runCLI(t, "keys", "new", "--name", "relay", "--roles", "ingest,read")
	if strings.Split(again, "\n")[0] == secret {
		t.Error("two runs printed the same secret")
	}
}

func TestKeysNewErrors(t *testing.T) {
	for _, args := range [][]string{
		{"keys", "new"},
		{"keys", "new", "--name", "relay"},
		{"keys", "new", "--name", "relay", "--roles", "superuser"},
		{"keys", "new", "--name", "no spaces", "--roles", "read"},
		{"keys", "new", "--name", "relay", "--roles", "read", "stray"},
	} {
		if out, err := runCLI(t, args...); err == nil || out != "" {
			t.Errorf("%v: printed %q, err %v; want only an error", args, out, err)
		}
	}
}
