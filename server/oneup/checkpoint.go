package oneup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/connevents/connevents/server/store"
)

// checkpointValue is how the checkpoint is stored: {"v":2,"lastUpdated":…}
// with the newest meta.lastUpdated ingested (capped at Now).
//
// Versions before it stored a bare RFC 3339 time: the newest `recorded`
// ingested. Such a value is read as a lastUpdated checkpoint, which is
// safe: 1upHealth writes an AuditEvent after the step it records, so every
// event the old poller had not read yet was written after that time (less
// the overlap the old poller relied on). It is rewritten in the new form
// by the next poll.
type checkpointValue struct {
	V           int       `json:"v"`
	LastUpdated time.Time `json:"lastUpdated"`
}

const checkpointVersion = 2

// checkpoint is the poller's position as loaded at the start of a poll.
type checkpoint struct {
	at     time.Time // the lastUpdated checkpoint, or Since when none
	stored bool      // false: nothing stored yet (the first poll)
	old    bool      // stored in the old (recorded) form: rewrite it
}

func encodeCheckpoint(t time.Time) string {
	b, _ := json.Marshal(checkpointValue{V: checkpointVersion, LastUpdated: t.UTC()})
	return string(b)
}

// decodeCheckpoint reads either form; old reports the old one.
func decodeCheckpoint(v string) (t time.Time, old bool, err error) {
	if !strings.HasPrefix(strings.TrimSpace(v), "{") {
		t, err = time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return time.Time{}, false, errors.New("oneup: the stored checkpoint is not an RFC 3339 time")
		}
		return t.UTC(), true, nil
	}
	var cv checkpointValue
	if json.Unmarshal([]byte(v), &cv) != nil || cv.V != checkpointVersion || cv.LastUpdated.IsZero() {
		return time.Time{}, false, fmt.Errorf("oneup: the stored checkpoint is not a version %d checkpoint", checkpointVersion)
	}
	return cv.LastUpdated.UTC(), false, nil
}

// loadCheckpoint returns the stored checkpoint, or Since (not stored) when
// none is stored.
func (p *Poller) loadCheckpoint(ctx context.Context) (checkpoint, error) {
	v, err := p.cps.GetCheckpoint(ctx, p.cfg.CheckpointKey)
	if errors.Is(err, store.ErrNotFound) {
		p.status.setCheckpoint(p.since)
		return checkpoint{at: p.since}, nil
	}
	if err != nil {
		return checkpoint{}, &StorageError{Op: "reading the checkpoint", Err: err}
	}
	t, old, err := decodeCheckpoint(v)
	if err != nil {
		return checkpoint{}, err
	}
	p.status.setCheckpoint(t.Add(-p.cfg.Overlap))
	return checkpoint{at: t, stored: true, old: old}, nil
}

// storeCheckpoint durably records t as the checkpoint.
func (p *Poller) storeCheckpoint(ctx context.Context, t time.Time) error {
	if err := p.cps.PutCheckpoint(ctx, p.cfg.CheckpointKey, encodeCheckpoint(t)); err != nil {
		return &StorageError{Op: "storing the checkpoint", Err: err}
	}
	p.status.setCheckpoint(t.Add(-p.cfg.Overlap))
	return nil
}
