package server

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/connevents/connevents/server/deadletter"
	"github.com/connevents/connevents/server/ingest"
	"github.com/connevents/connevents/server/oneup"
	"github.com/connevents/connevents/server/store"
)

// OneUpPull is a one-off 1upHealth backfill (`connevents oneup pull`).
type OneUpPull struct {
	// Database is the store, as --database. A server may be using it.
	Database string
	// OneUp holds the credentials, base URL and subtypes. Its Since (an
	// RFC 3339 time or a duration back from now) is required: the pull
	// reads everything recorded from then on. PollInterval is ignored.
	OneUp OneUpConfig
	// CheckpointKey, when set, keeps the pull's checkpoint in the store
	// under this key, so that a repeated pull resumes where the last one
	// got to instead of reading from Since again. Empty stores none. It
	// may not be the server poller's key.
	CheckpointKey string
	// Logger receives the poller's logs; nil discards them.
	Logger *slog.Logger
	// Progress is called after each page with the running totals.
	Progress func(oneup.PollResult)
}

// PullOneUp runs one complete 1upHealth poll of the events recorded since
// pull.OneUp.Since into the store, through the same poller and ingest path
// as the server, and returns its totals. A long Retry-After is waited out
// (Poller.PollComplete). It never reads or moves the server poller's
// checkpoint; events the store already holds count as duplicates.
func PullOneUp(ctx context.Context, pull OneUpPull) (oneup.PollResult, error) {
	cfg, err := pull.config(time.Now())
	if err != nil {
		return oneup.PollResult{}, err
	}
	st, _, err := openStore(ctx, pull.Database)
	if err != nil {
		return oneup.PollResult{}, err
	}
	defer st.Close()
	in := ingest.New(st, ingest.WithLogger(cfg.Logger))
	defer in.Close()
	cfg.DeadLetters = deadletter.NewKeeper(st, nil, cfg.Logger)
	var cps oneup.Checkpoints = st
	if pull.CheckpointKey == "" {
		cps = &memCheckpoints{}
	}
	poller, err := oneup.NewPoller(cfg, in, cps)
	if err != nil {
		return oneup.PollResult{}, err
	}
	return poller.PollComplete(ctx)
}

// config is the poller's configuration for the pull.
func (pull OneUpPull) config(now time.Time) (oneup.Config, error) {
	switch {
	case pull.OneUp.Since == "":
		return oneup.Config{}, errors.New("--since is required: where the pull starts (RFC 3339 time or a duration such as 720h)")
	case pull.CheckpointKey == oneup.DefaultCheckpointKey:
		return oneup.Config{}, errors.New("--checkpoint-key must not be the server poller's key " + oneup.DefaultCheckpointKey)
	}
	if pull.Logger == nil {
		pull.Logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := oneupConfig(pull.OneUp, now, pull.Logger)
	if err != nil {
		return oneup.Config{}, err
	}
	cfg.Interval, cfg.Progress = 0, pull.Progress
	cfg.CheckpointKey = pull.CheckpointKey
	if cfg.CheckpointKey == "" {
		cfg.CheckpointKey = "oneup.pull" // in memory only
	}
	return cfg, nil
}

// memCheckpoints keeps a pull's checkpoint in memory: the poller still
// moves its _lastUpdated window forward within the pull, and nothing is
// stored.
type memCheckpoints struct {
	mu sync.Mutex
	v  map[string]string
}

func (m *memCheckpoints) GetCheckpoint(_ context.Context, key string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.v[key]
	if !ok {
		return "", store.ErrNotFound
	}
	return v, nil
}

func (m *memCheckpoints) PutCheckpoint(_ context.Context, key, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.v == nil {
		m.v = map[string]string{}
	}
	m.v[key] = value
	return nil
}
