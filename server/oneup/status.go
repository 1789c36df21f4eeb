package oneup

import (
	"context"
	"errors"
	"maps"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reject"
)

// tracker holds the poller's status behind a mutex.
type tracker struct {
	mu          sync.Mutex
	state       conneventsv1.SourceState
	lastSuccess time.Time
	lastErrorAt time.Time
	lastError   string
	ingested    int64
	duplicates  int64
	rejections  map[string]int64
	checkpoint  time.Time
}

func newTracker() *tracker {
	return &tracker{state: conneventsv1.SourceState_SOURCE_STATE_OK, rejections: map[string]int64{}}
}

func (t *tracker) addIngested(stored, dups int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.ingested += int64(stored)
	t.duplicates += int64(dups)
}

func (t *tracker) addRejection(reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rejections[reason]++
}

func (t *tracker) setCheckpoint(lower time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.checkpoint = lower
}

// pollDone records the end of a poll: OK, or ERROR / CONFIG_ERROR with the
// error's text (which never holds secrets or personal data).
func (t *tracker) pollDone(at time.Time, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err == nil {
		t.state, t.lastSuccess = conneventsv1.SourceState_SOURCE_STATE_OK, at
		return
	}
	t.state = conneventsv1.SourceState_SOURCE_STATE_ERROR
	var ce *ConfigError
	if errors.As(err, &ce) {
		t.state = conneventsv1.SourceState_SOURCE_STATE_CONFIG_ERROR
	}
	t.lastErrorAt, t.lastError = at, err.Error()
}

func (t *tracker) snapshot() *conneventsv1.SourceStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	return &conneventsv1.SourceStatus{
		Source:             conneventsv1.Source_SOURCE_ONEUP,
		State:              t.state,
		LastSuccessAt:      timestampOrNil(t.lastSuccess),
		LastErrorAt:        timestampOrNil(t.lastErrorAt),
		LastError:          t.lastError,
		EventsIngested:     t.ingested,
		Duplicates:         t.duplicates,
		RejectionsByReason: maps.Clone(t.rejections),
		Checkpoint:         timestampOrNil(t.checkpoint),
	}
}

func timestampOrNil(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func rejectReason(err error) string {
	if r := reject.Reason(err); r != "" {
		return r
	}
	return "UNKNOWN"
}

// finish records and logs the end of a poll. A poll cut short by ctx (the
// server stopping) is not recorded as an error.
func (p *Poller) finish(ctx context.Context, res PollResult, err error) {
	if err != nil && ctx.Err() != nil {
		p.cfg.Logger.InfoContext(ctx, "oneup: poll stopped", "pages", res.Pages, "stored", res.Stored)
		return
	}
	p.status.pollDone(p.cfg.Now(), err)
	attrs := []any{"windows", res.Windows, "pages", res.Pages, "entries", res.Fetched, "stored", res.Stored,
		"duplicates", res.Duplicates, "rejected", res.Rejected, "duration", res.Duration.String(),
		"checkpoint", res.Checkpoint.Format(time.RFC3339)}
	if err != nil {
		p.cfg.Logger.WarnContext(ctx, "oneup: poll failed", append(attrs, "error", err.Error())...)
		return
	}
	p.cfg.Logger.InfoContext(ctx, "oneup: poll done", attrs...)
}
