package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/connevents/connevents/server"
)

// journeysRebuild recomputes every connection journey from the event log,
// online: a running server may use the same database.
func journeysRebuild(args []string) error {
	return untilInterrupted(func(ctx context.Context) error {
		return runJourneysRebuild(ctx, args, os.Stdout, os.LookupEnv)
	})
}

func runJourneysRebuild(ctx context.Context, args []string, stdout io.Writer, lookup func(string) (string, bool)) error {
	def := server.DefaultConfig()
	database, th := def.Database, def.StallAfter
	fs := newFlagSet("journeys rebuild", rebuildEnvName)
	fs.StringVar(&database, "database", database, "event store: sqlite:PATH or postgres://… (a running server may use it)")
	fs.Var(server.ThresholdsFlag{T: &th}, "stall-after", "stall thresholds, as serve's --stall-after (give the server's)")
	batch := fs.Int("batch", 0, "journeys per transaction: ingest waits for at most one batch (0: the store's default)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	err := server.ApplyEnv(fs, func(env string) (string, bool) {
		if env == server.EnvName("batch") {
			env = rebuildEnvName("batch")
		}
		return lookup(env)
	})
	if err != nil {
		return err
	}
	n, err := server.RebuildJourneys(ctx, database, th, *batch)
	if err != nil {
		return err
	}
	// The thresholds used say whether they are the servers': a rebuild with
	// others moves every in-progress journey's stall time.
	fmt.Fprintf(stdout, "journeys rebuild: %d journeys changed (--stall-after %s)\n", n, th)
	return nil
}

// rebuildEnvName is the environment variable of a rebuild flag: serve's
// for the flags they share, CONNEVENTS_JOURNEYS_REBUILD_BATCH for --batch.
func rebuildEnvName(flagName string) string {
	if flagName == "batch" {
		return server.EnvName("journeys-rebuild-batch")
	}
	return server.EnvName(flagName)
}
