package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMain lets a test run this test binary as the connevents command:
// with CONNEVENTS_TEST_RUN_MAIN=1 it is main() itself, exit status and all.
func TestMain(m *testing.M) {
	if os.Getenv("CONNEVENTS_TEST_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// connevents returns the test binary as a connevents command with args.
func connevents(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "CONNEVENTS_TEST_RUN_MAIN=1")
	return cmd
}

// execCLI runs connevents with args and returns its stdout, stderr and
// exit status.
func execCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := connevents(t, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("connevents %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

// TestExitStatusAndUsage: help that is asked for exits 0; a command line
// that names no command, or an unknown one, prints the usage and exits 2.
func TestExitStatusAndUsage(t *testing.T) {
	tests := []struct {
		args       []string
		wantStatus int
		wantOut    string // in stdout
		wantErr    string // in stderr
	}{
		{nil, 2, "", "usage: connevents COMMAND"},
		{[]string{"--help"}, 0, "usage: connevents COMMAND", ""},
		{[]string{"-h"}, 0, "fasten send", ""},
		{[]string{"help"}, 0, "oneup pull", ""},
		{[]string{"nonsense"}, 2, "", `unknown command "nonsense"`},
		{[]string{"fasten", "--help"}, 0, "usage: connevents fasten COMMAND", ""},
		{[]string{"fasten", "-h"}, 0, "fasten secret", ""},
		{[]string{"oneup", "--help"}, 0, "oneup pull", ""},
		{[]string{"fasten"}, 2, "", "fasten needs a command"},
		{[]string{"oneup"}, 2, "", "usage: connevents oneup COMMAND"},
		{[]string{"fasten", "receive"}, 2, "", `unknown command "fasten receive"`},
		{[]string{"help", "tail"}, 0, "", "usage: connevents tail"},
		{[]string{"serve", "--no-such-flag"}, 2, "", "flag provided but not defined: -no-such-flag"},
		{[]string{"fasten", "secret", "extra"}, 2, "", `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		stdout, stderr, status := execCLI(t, tt.args...)
		if status != tt.wantStatus || !strings.Contains(stdout, tt.wantOut) || !strings.Contains(stderr, tt.wantErr) {
			t.Errorf("connevents %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", tt.args, status, tt.wantStatus, stdout, stderr)
		}
	}
}

// TestEveryCommandRefusesBadFlagsAndStrayArguments: a flag a command does
// not define, or an argument it does not take, prints the usage and exits
// 2 for every command, before the command does anything.
func TestEveryCommandRefusesBadFlagsAndStrayArguments(t *testing.T) {
	for _, c := range commands() {
		name := strings.Fields(c.name)
		stray := append(slices.Clone(name), "stray")
		if strings.HasPrefix(c.name, "deadletters ") && c.name != "deadletters list" {
			stray = append(slices.Clone(name), "dl_id", "stray") // these take one id
		}
		for _, args := range [][]string{append(slices.Clone(name), "--no-such-flag"), stray} {
			stdout, stderr, status := execCLI(t, args...)
			if status != 2 || !strings.Contains(stderr, "usage: connevents "+c.name) {
				t.Errorf("connevents %v: exit %d, want 2 with the usage\nstdout:\n%s\nstderr:\n%s", args, status, stdout, stderr)
			}
		}
	}
}

// TestEveryCommandHelp: `connevents COMMAND --help` exits 0 and prints the
// command's flags, for every command.
func TestEveryCommandHelp(t *testing.T) {
	for _, c := range commands() {
		args := append(strings.Fields(c.name), "--help")
		stdout, stderr, status := execCLI(t, args...)
		if status != 0 || !strings.Contains(stdout+stderr, "usage: connevents "+c.name) {
			t.Errorf("connevents %s --help: exit %d\nstdout:\n%s\nstderr:\n%s", c.name, status, stdout, stderr)
		}
	}
}

// TestVersion: --version and version print the version, "dev" in a build
// without -ldflags, and the -X main.version value in a stamped build.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		if stdout, _, status := execCLI(t, args...); status != 0 || stdout != "dev\n" {
			t.Errorf("connevents %v: exit %d, printed %q, want dev", args, status, stdout)
		}
	}
	if testing.Short() {
		t.Skip("-short: not building a stamped binary")
	}
	bin := filepath.Join(t.TempDir(), "connevents")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=v9.8.7-test", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "--version").Output(); err != nil || string(out) != "v9.8.7-test\n" {
		t.Errorf("stamped --version: %q %v, want v9.8.7-test", out, err)
	}
}

// TestServeWarnsWithoutFastenSecrets: `connevents serve` without Fasten
// secrets says at start-up, as a JSON WARN line, that deliveries will be
// refused and how to configure a secret.
func TestServeWarnsWithoutFastenSecrets(t *testing.T) {
	cmd := connevents(t, "serve", "--grpc-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0",
		"--database", "sqlite:"+filepath.Join(t.TempDir(), "events.db"), "--oneup-poll-interval", "0")
	cmd.Env = append(cmd.Env, "CONNEVENTS_FASTEN_WEBHOOK_SECRETS=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := make(chan string, 100) // serve logs a few lines; none of them may block it
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var warning string
	timeout := time.After(30 * time.Second)
	for serving := false; !serving; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("serve exited before serving")
			}
			var entry struct{ Level, Msg string }
			if err := json.Unmarshal([]byte(l), &entry); err != nil {
				t.Fatalf("a log line is not JSON: %q", l)
			}
			if entry.Level == "WARN" && strings.Contains(entry.Msg, "Fasten") {
				warning = entry.Msg
			}
			serving = entry.Msg == "serving"
		case <-timeout:
			t.Fatal("serve did not start")
		}
	}
	for _, want := range []string{"refused", "connevents fasten secret", "--fasten-webhook-secrets"} {
		if !strings.Contains(warning, want) {
			t.Errorf("start-up warning %q lacks %q", warning, want)
		}
	}
}

// TestServeExplainsBadSettings: an environment value that does not parse
// says what the variable wants (never repeating the value, which may be a
// secret), and an access-log retention too short to be a policy is refused.
func TestServeExplainsBadSettings(t *testing.T) {
	cmd := connevents(t, "serve", "--database", filepath.Join(t.TempDir(), "e.db"))
	cmd.Env = append(cmd.Env, "CONNEVENTS_RETENTION=SECRETISH")
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), "CONNEVENTS_RETENTION") || !strings.Contains(string(out), "want a duration such as") ||
		strings.Contains(string(out), "SECRETISH") || cmd.ProcessState.ExitCode() == 0 {
		t.Errorf("CONNEVENTS_RETENTION=SECRETISH: exit %d, %s", cmd.ProcessState.ExitCode(), out)
	}
	_, stderr, code := execCLI(t, "serve", "--database", filepath.Join(t.TempDir(), "e.db"), "--access-log-retention", "1ns")
	if code == 0 || !strings.Contains(stderr, "--access-log-retention must be 0") {
		t.Errorf("--access-log-retention 1ns: exit %d, %s", code, stderr)
	}
}
