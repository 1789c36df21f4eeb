package oneup

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/oneup/oneuptest"
	"github.com/connevents/connevents/server/status"
	"github.com/connevents/connevents/server/store"
)

// memSink is a test Sink that dedupes on (source, source_event_id) like
// the store does. failOn makes the n-th Ingest call (1-based) fail.
type memSink struct {
	mu     sync.Mutex
	byKey  map[string]*conneventsv1.ConnectionEvent
	order  []string
	calls  int
	failOn int
}

func newMemSink() *memSink { return &memSink{byKey: map[string]*conneventsv1.ConnectionEvent{}} }

func (s *memSink) Ingest(_ context.Context, events []*conneventsv1.ConnectionEvent) ([]store.Appended, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.calls == s.failOn {
		return nil, errors.New("sink: simulated crash")
	}
	out := make([]store.Appended, len(events))
	for i, ev := range events {
		key := ev.GetSource().String() + "/" + ev.GetSourceEventId()
		if have, ok := s.byKey[key]; ok {
			out[i] = store.Appended{Event: have, Duplicate: true}
			continue
		}
		ev.Id, ev.Sequence = fmt.Sprintf("ev-%d", len(s.order)+1), int64(len(s.order)+1)
		s.byKey[key] = ev
		s.order = append(s.order, key)
		out[i] = store.Appended{Event: ev}
	}
	return out, nil
}

func (s *memSink) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.order)
}

func (s *memSink) has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.byKey[conneventsv1.Source_SOURCE_ONEUP.String()+"/"+id]
	return ok
}

// memCheckpoints is a test Checkpoints.
type memCheckpoints struct {
	mu sync.Mutex
	m  map[string]string
}

func newMemCheckpoints() *memCheckpoints { return &memCheckpoints{m: map[string]string{}} }

func (c *memCheckpoints) GetCheckpoint(_ context.Context, key string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	if !ok {
		return "", store.ErrNotFound
	}
	return v, nil
}

func (c *memCheckpoints) PutCheckpoint(_ context.Context, key, value string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = value
	return nil
}

// syncBuffer collects log output from concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// sleeps records the waits asked of Config.Sleep without waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// rig is a poller wired to a fake 1upHealth server, in-memory fakes and a
// real status board.
type rig struct {
	srv    *oneuptest.Server
	sink   *memSink
	cps    *memCheckpoints
	board  *status.Board
	logs   *syncBuffer
	sleeps *sleeps
	now    time.Time
}

func newRig(t *testing.T) *rig {
	t.Helper()
	return &rig{srv: oneuptest.New(t), sink: newMemSink(), cps: newMemCheckpoints(), board: status.NewBoard(),
		logs: &syncBuffer{}, sleeps: &sleeps{}, now: time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)}
}

// Status is what the poller reported on its status board (Config.Status,
// a *status.Board in every test).
func (p *Poller) Status() *conneventsv1.SourceStatus {
	return p.cfg.Status.(*status.Board).Get(conneventsv1.Source_SOURCE_ONEUP)
}

// config returns a Config for the rig; edit it before poller().
func (r *rig) config() Config {
	return Config{
		BaseURL: r.srv.URL, ClientID: oneuptest.ClientID, ClientSecret: oneuptest.ClientSecret,
		Interval: time.Millisecond, Since: r.now.Add(-30 * 24 * time.Hour), Overlap: 10 * time.Minute,
		PageSize: 10, RequestTimeout: 5 * time.Second, MaxAttempts: 3,
		Logger: slog.New(slog.NewJSONHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    func() time.Time { return r.now }, Sleep: r.sleeps.sleep, Status: r.board,
	}
}

func (r *rig) poller(t *testing.T, cfg Config) *Poller {
	t.Helper()
	p, err := NewPoller(cfg, r.sink, r.cps)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// addEvents adds n events recorded one minute apart, ending an hour
// before now; ids are prefix-1..prefix-n.
func (r *rig) addEvents(prefix string, n int) {
	for i := 1; i <= n; i++ {
		r.srv.Add(oneuptest.Event{
			ID: fmt.Sprintf("%s-%d", prefix, i), Subtype: SubtypeResourceIngestionResult,
			Recorded: r.now.Add(-time.Hour - time.Duration(n-i)*time.Minute), Outcome: "0",
			UserID: "user-secret-118044", PatientID: "pat-7f3c2a", SystemName: "Humana", SystemID: "4706",
		})
	}
}
