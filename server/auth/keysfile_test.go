package auth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFileLineRoundTrip(t *testing.T) {
	secret, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) < 40 || !strings.HasPrefix(secret, "cek_") {
		t.Fatalf("secret %q", secret)
	}
	if other, _ := NewSecret(); other == secret {
		t.Fatal("two secrets are equal")
	}
	line, err := FileLine("relay", []Role{Ingest, Admin}, secret)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(line, secret) {
		t.Fatal("the keys-file line holds the secret")
	}
	path := filepath.Join(t.TempDir(), "keys")
	file := "# connevents keys\n\n" + line + "\n   # indented comment\n"
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := Load(nil, path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := k.Authorize(ingestOne, []string{"Bearer " + secret})
	if err != nil || c.Key != "relay" || c.Role != Ingest {
		t.Errorf("Authorize = %+v, %v", c, err)
	}
	if _, err := k.Authorize(listEvents, []string{"Bearer " + secret}); err == nil {
		t.Error("an ingest,admin key reads events")
	}
}

func TestParseFileErrors(t *testing.T) {
	const digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	const pasted = "cek_PASTED-SECRET-abcdefghijklmnop"
	tests := []struct {
		name, file string
		want       []string
	}{
		{"two fields", "# c\nrelay ingest\n", []string{"line 2:", "want 3 fields"}},
		{"the secret instead of the digest", "relay ingest " + pasted + "\n", []string{"line 1:", "64 hex digits"}},
		{"the secret as the role", "relay " + pasted + " " + digest + "\n", []string{"line 1:", "roles must be"}},
		{"the secret as the name", pasted + "/x ingest " + digest + "\n", []string{"line 1:", "key name"}},
		{"a short digest", "relay ingest abcd\n", []string{"line 1:", "64 hex digits"}},
		{"every bad line", "relay ingest\n\nother reed " + digest + "\n", []string{"line 1:", "line 3:"}},
		{"empty", "# nothing\n\n", []string{"no keys"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFile(strings.NewReader(tt.file))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "PASTED") || strings.Contains(err.Error(), digest) || strings.Contains(err.Error(), "reed") {
				t.Errorf("error repeats the file's content: %q", err)
			}
		})
	}
}

func TestLoadFileErrors(t *testing.T) {
	if _, err := Load(nil, filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "--api-keys-file") {
		t.Errorf("missing file: %v", err)
	}
	path := filepath.Join(t.TempDir(), "keys")
	line, _ := FileLine("key-1", []Role{Read}, "file-secret-0123456789")
	if err := os.WriteFile(path, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load([]string{"plain-secret-0123456789"}, path); err == nil || !strings.Contains(err.Error(), "two keys are named key-1 (--api-keys names its keys key-1") {
		t.Errorf("a file key named like a plain key: %v", err)
	}
}
