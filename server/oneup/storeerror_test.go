package oneup

import (
	"context"
	"errors"
	"strings"
	"testing"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
	"github.com/connevents/connevents/server/store"
)

// rawDBError is what a database driver says; it must not reach a status.
var rawDBError = errors.New(`ERROR: invalid byte sequence for encoding "UTF8": 0x00 (SQLSTATE 22021)`)

type failingSink struct{}

func (failingSink) Ingest(context.Context, []*conneventsv1.ConnectionEvent) ([]store.Appended, error) {
	return nil, rawDBError
}

type failingCheckpoints struct{ *memCheckpoints }

func (failingCheckpoints) PutCheckpoint(context.Context, string, string) error { return rawDBError }

// When the store fails, the source's lastError names what the poller was
// doing and a reason, never the database's own text (the log has it).
func TestStoreErrorsInStatusAreReasons(t *testing.T) {
	for _, tt := range []struct {
		name string
		sink Sink
		cps  Checkpoints
	}{
		{"ingest", failingSink{}, newMemCheckpoints()},
		{"checkpoint", newMemSink(), failingCheckpoints{newMemCheckpoints()}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.addEvents("s", 3)
			p, err := NewPoller(r.config(), tt.sink, tt.cps)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.PollOnce(t.Context()); !errors.Is(err, rawDBError) {
				t.Fatalf("PollOnce = %v, want the store's error", err)
			}
			msg := p.Status().GetLastError()
			if strings.Contains(msg, "SQLSTATE") || strings.Contains(msg, "UTF8") || !strings.Contains(msg, string(reason.StorageUnavailable)) {
				t.Errorf("lastError %q: want a reason, not the database's text", msg)
			}
			if !strings.Contains(r.logs.String(), "SQLSTATE") {
				t.Error("the log lost the database's error")
			}
		})
	}
}
