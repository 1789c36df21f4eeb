package main

import (
	"strings"
	"testing"

	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/test/testserver"
)

// TestDeadLettersCommands: list, get (JSON and --raw), retry (still
// unreadable: an error) and discard against a real server.
func TestDeadLettersCommands(t *testing.T) {
	s := testserver.Start(t, func(c *server.Config) { c.APIKeys = []string{"admin-key"} })
	t.Setenv("CONNEVENTS_API_KEY", "admin-key")
	body := []byte(`{"type":"webhook.test","data":{}}`) // signed, but no id
	if resp, answer := s.SendFasten(t, testserver.Secret, body); resp.StatusCode != 200 || !strings.Contains(string(answer), "DEAD_LETTERED") {
		t.Fatalf("%s %s", resp.Status, answer)
	}
	addr := "--addr=" + s.GRPCAddr()

	out, err := runCLI(t, "deadletters", "list", addr)
	if err != nil || strings.Count(out, "\n") != 1 || !strings.Contains(out, "MISSING_ID") || !strings.Contains(out, "FASTEN") {
		t.Fatalf("list: %v %q", err, out)
	}
	id := strings.Fields(out)[0]
	if out, err := runCLI(t, "deadletters", "list", addr, "--source=oneup"); err != nil || out != "" {
		t.Errorf("list --source=oneup: %v %q", err, out)
	}
	if out, err := runCLI(t, "deadletters", "get", id, addr, "--raw"); err != nil || out != string(body) {
		t.Errorf("get --raw: %v %q, want the body", err, out)
	}
	if out, err := runCLI(t, "deadletters", "get", addr, id); err != nil || !strings.Contains(out, `"reason":"MISSING_ID"`) {
		t.Errorf("get: %v %q", err, out)
	}
	if _, err := runCLI(t, "deadletters", "retry", addr, id); err == nil || !strings.Contains(err.Error(), "still cannot be normalized") {
		t.Errorf("retry of an unreadable dead letter: %v", err)
	}
	if out, err := runCLI(t, "deadletters", "discard", addr, id); err != nil || !strings.Contains(out, "discarded "+id) {
		t.Errorf("discard: %v %q", err, out)
	}
	if out, err := runCLI(t, "deadletters", "list", addr); err != nil || out != "" {
		t.Errorf("list after discard: %v %q", err, out)
	}
	if _, err := runCLI(t, "deadletters", "get", addr); exitCode(err, &strings.Builder{}) != 2 {
		t.Errorf("get without an id: %v, want a usage error", err)
	}
	t.Setenv("CONNEVENTS_API_KEY", "wrong")
	if _, err := runCLI(t, "deadletters", "list", addr); err == nil {
		t.Error("list with a wrong key succeeded")
	}
}
