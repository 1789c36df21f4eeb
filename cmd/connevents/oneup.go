package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/oneup"
)

// oneupPull backfills 1upHealth AuditEvents into the store: one complete
// poll from --since through the server's own poller and ingest path. No
// server needs to run; one may use the same database.
func oneupPull(args []string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runOneUpPull(ctx, args, os.Stdout, os.Stderr, os.LookupEnv)
}

// runOneUpPull is oneupPull with its outputs and environment given:
// progress lines and logs go to stderr, the summary to stdout.
func runOneUpPull(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	pull, logLevel, err := parsePullFlags(args, stderr, lookup)
	if err != nil {
		return err
	}
	if pull.Logger, err = server.NewLogger(stderr, *logLevel); err != nil {
		return err
	}
	pull.Progress = func(r oneup.PollResult) {
		fmt.Fprintf(stderr, "oneup pull: page %d: %s\n", r.Pages, pullCounts(r))
	}
	res, err := server.PullOneUp(ctx, *pull)
	if err != nil {
		fmt.Fprintf(stdout, "oneup pull: failed after %d pages: %s\n", res.Pages, pullCounts(res))
		return err
	}
	fmt.Fprintf(stdout, "oneup pull: done in %s: %d pages, %s; checkpoint %s\n",
		res.Duration.Round(time.Millisecond), res.Pages, pullCounts(res), res.Checkpoint.Format(time.RFC3339))
	return nil
}

// parsePullFlags reads the flags, then the environment for flags not given.
func parsePullFlags(args []string, stderr io.Writer, lookup func(string) (string, bool)) (*server.OneUpPull, *string, error) {
	def := server.DefaultConfig()
	pull := &server.OneUpPull{Database: def.Database, OneUp: server.OneUpConfig{BaseURL: def.OneUp.BaseURL}}
	fs := newFlagSet("oneup pull", pullEnvName)
	fs.SetOutput(stderr)
	fs.StringVar(&pull.Database, "database", pull.Database, "event store: sqlite:PATH or postgres://… (a running server may use it)")
	fs.StringVar(&pull.OneUp.ClientID, "oneup-client-id", "", "1upHealth client id")
	fs.StringVar(&pull.OneUp.ClientSecret, "oneup-client-secret", "", "1upHealth client secret")
	fs.StringVar(&pull.OneUp.BaseURL, "oneup-base-url", pull.OneUp.BaseURL, "1upHealth API base URL")
	fs.Func("oneup-subtypes", "comma-separated AuditEvent subtypes to pull (default: all nine)", func(s string) error {
		pull.OneUp.Subtypes = splitSubtypes(s)
		return nil
	})
	fs.StringVar(&pull.OneUp.Since, "since", "", "required: where the pull starts, an RFC 3339 time or a duration back from now such as 720h")
	fs.StringVar(&pull.CheckpointKey, "checkpoint-key", "", "keep the pull's checkpoint in the store under this key, so that running it again resumes (default: none kept; every run reads from --since)")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
	if err := parseFlags(fs, args); err != nil {
		return nil, nil, err
	}
	return pull, logLevel, applyPullEnv(fs, lookup)
}

// pullOnly are the flags serve does not have; their environment variables
// are CONNEVENTS_ONEUP_PULL_…, so that serve's settings never start a
// backfill. The other flags share serve's variables.
var pullOnly = map[string]bool{"since": true, "checkpoint-key": true}

// pullEnvName is the environment variable of a pull flag.
func pullEnvName(flagName string) string {
	if pullOnly[flagName] {
		return server.EnvName("oneup-pull-" + flagName)
	}
	return server.EnvName(flagName)
}

// applyPullEnv is server.ApplyEnv with pullEnvName's variable names.
func applyPullEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	names := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) { names[server.EnvName(f.Name)] = pullEnvName(f.Name) })
	return server.ApplyEnv(fs, func(env string) (string, bool) { return lookup(names[env]) })
}

// pullCounts is the running totals of a poll.
func pullCounts(r oneup.PollResult) string {
	s := fmt.Sprintf("%d fetched, %d stored, %d duplicates, %d dead-lettered, %d rejected", r.Fetched, r.Stored, r.Duplicates, r.DeadLettered, r.Rejected)
	if len(r.RejectionsByReason) == 0 {
		return s
	}
	var reasons []string
	for _, reason := range slices.Sorted(maps.Keys(r.RejectionsByReason)) {
		reasons = append(reasons, fmt.Sprintf("%s %d", reason, r.RejectionsByReason[reason]))
	}
	return s + " (" + strings.Join(reasons, ", ") + ")"
}

func splitSubtypes(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
