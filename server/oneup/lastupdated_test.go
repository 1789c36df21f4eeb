package oneup

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/connevents/connevents/server/oneup/oneuptest"
)

// TestPollLateWriteReadOnce: an AuditEvent written long after the time it
// records (old `recorded`, new meta.lastUpdated) is read once by the
// running poller and once after a restart, and never again; one recorded
// before the explicit Since is not read at all.
func TestPollLateWriteReadOnce(t *testing.T) {
	r := newRig(t)
	r.addEvents("ae", 3)
	cfg := r.config()
	p := r.poller(t, cfg)
	if _, err := p.PollOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.srv.Hold(oneuptest.Event{ID: "late-running", Subtype: SubtypeSystemSelected, Recorded: r.now.Add(-3 * 24 * time.Hour)},
		oneuptest.Event{ID: "before-since", Subtype: SubtypeSystemSelected, Recorded: cfg.Since.Add(-time.Hour)})
	r.now = r.now.Add(20 * time.Minute)
	r.srv.Publish(r.now)
	if res, err := p.PollOnce(context.Background()); err != nil || res.Stored != 1 || !r.sink.has("late-running") {
		t.Fatalf("the running poller: %+v, err %v", res, err)
	}
	if r.sink.has("before-since") {
		t.Error("an event recorded before --oneup-since was read")
	}
	r.srv.Hold(oneuptest.Event{ID: "late-restart", Subtype: SubtypeMemberAuthorization, Recorded: r.now.Add(-48 * time.Hour)})
	r.now = r.now.Add(time.Hour)
	r.srv.Publish(r.now.Add(-time.Minute))
	restarted := r.poller(t, cfg)
	for i := range 2 {
		res, err := restarted.PollOnce(context.Background())
		if err != nil || res.Stored != 1-i {
			t.Fatalf("after the restart, poll %d: %+v, err %v", i+1, res, err)
		}
	}
	if !r.sink.has("late-restart") || r.sink.len() != 5 {
		t.Errorf("sink holds %d events", r.sink.len())
	}
}

// TestPollMigratesOldCheckpoint: a checkpoint stored by an older version
// (a bare RFC 3339 `recorded` time) is read as a lastUpdated checkpoint
// and rewritten in the new form, even when the poll reads nothing newer.
func TestPollMigratesOldCheckpoint(t *testing.T) {
	r := newRig(t)
	old := r.now.Add(-30 * time.Minute)
	r.cps.m[DefaultCheckpointKey] = old.Format(time.RFC3339Nano)
	r.srv.Add(oneuptest.Event{ID: "late", Subtype: SubtypeSystemSelected, Recorded: r.now.Add(-5 * 24 * time.Hour), LastUpdated: old.Add(-5 * time.Minute)})
	cfg := r.config()
	cfg.Since = time.Time{}
	res, err := r.poller(t, cfg).PollOnce(context.Background())
	if err != nil || res.Stored != 1 {
		t.Fatalf("%+v, err %v", res, err)
	}
	if got, want := r.srv.Requests()[0].Query.Get("_lastUpdated"), "ge"+old.Add(-10*time.Minute).Format(time.RFC3339); got != want {
		t.Errorf("_lastUpdated %q, want %q", got, want)
	}
	if got, isOld, err := decodeCheckpoint(r.cps.m[DefaultCheckpointKey]); err != nil || isOld || !got.Equal(old) {
		t.Errorf("checkpoint now %q", r.cps.m[DefaultCheckpointKey])
	}
}

func TestPollRejectsUnreadableCheckpoint(t *testing.T) {
	for _, v := range []string{"yesterday", `{"v":3,"lastUpdated":"2026-01-01T00:00:00Z"}`, `{"v":2}`} {
		r := newRig(t)
		r.cps.m[DefaultCheckpointKey] = v
		if _, err := r.poller(t, r.config()).PollOnce(context.Background()); err == nil || len(r.srv.Requests()) != 0 {
			t.Errorf("checkpoint %q: err %v after %d requests", v, err, len(r.srv.Requests()))
		}
	}
}

// TestPollOverTenThousandInOneWindow: 10,500 events written within two
// minutes, far inside one Overlap, are all read at the default page size
// and window depth without _skip ever passing 1upHealth's cap (the fake
// answers 400 past it).
func TestPollOverTenThousandInOneWindow(t *testing.T) {
	r := newRig(t)
	start := r.now.Add(-time.Hour)
	for i := range 10500 {
		r.srv.Add(oneuptest.Event{ID: "d-" + strconv.Itoa(i), Subtype: SubtypeResourceIngestionResult,
			Recorded: start.Add(-time.Duration(i) * time.Hour), LastUpdated: start.Add(time.Duration(i) * 11 * time.Millisecond)})
	}
	r.cps.m[DefaultCheckpointKey] = encodeCheckpoint(start)
	cfg := r.config()
	cfg.PageSize, cfg.Since, cfg.Logger = 100, time.Time{}, slog.New(slog.DiscardHandler) // not 10,500 debug lines
	res, err := r.poller(t, cfg).PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Stored != 10500 || r.sink.len() != 10500 || res.Windows < 3 {
		t.Fatalf("result %+v, sink %d", res, r.sink.len())
	}
	for _, req := range r.srv.Requests() {
		if skip, _ := strconv.Atoi(req.Query.Get("_skip")); skip > DefaultMaxPagesPerWindow*100 {
			t.Fatalf("paged to _skip=%d", skip)
		}
	}
}

// TestPollEqualLastUpdatedAcrossPageBoundaries: events sharing one
// meta.lastUpdated on both sides of page and window boundaries are each
// stored once, and one written later at the checkpoint's very time is
// read by the next poll.
func TestPollEqualLastUpdatedAcrossPageBoundaries(t *testing.T) {
	r := newRig(t)
	base := r.now.Add(-time.Hour)
	at := func(i int) time.Time {
		switch {
		case i < 6:
			return base.Add(time.Duration(i) * time.Second)
		case i < 16: // ids 6..15 straddle the boundary between pages 1 and 2
			return base.Add(10 * time.Second)
		}
		return base.Add(time.Duration(i) * time.Second)
	}
	for i := range 30 {
		r.srv.Add(oneuptest.Event{ID: fmt.Sprintf("t-%d", i), Subtype: SubtypeSystemSelected, Recorded: base.Add(-24 * time.Hour), LastUpdated: at(i)})
	}
	r.cps.m[DefaultCheckpointKey] = encodeCheckpoint(base)
	cfg := r.config()
	cfg.MaxPagesPerWindow = 1 // a window boundary after every page that can move
	p := r.poller(t, cfg)
	res, err := p.PollOnce(context.Background())
	if err != nil || res.Stored != 30 || r.sink.len() != 30 || res.Windows < 3 {
		t.Fatalf("result %+v, err %v, sink %d", res, err, r.sink.len())
	}
	r.srv.Add(oneuptest.Event{ID: "t-tie", Subtype: SubtypeSystemSelected, Recorded: base.Add(-24 * time.Hour), LastUpdated: at(29)})
	if res, err := p.PollOnce(context.Background()); err != nil || res.Stored != 1 {
		t.Fatalf("tie with the checkpoint: %+v, err %v", res, err)
	}
}

// TestPollPropertyEveryPublishedEventOnce publishes events in random
// orders and with random delays between their `recorded` time and their
// write time (up to 40 days), in bursts that share one meta.lastUpdated,
// some without meta.lastUpdated, some lagging behind it by less than the
// overlap, some recorded before Since, while polls, restarts and
// deferrals interleave at random page sizes and window depths. Every event
// recorded since Since is stored exactly once; none before it.
func TestPollPropertyEveryPublishedEventOnce(t *testing.T) {
	for seed := range uint64(40) {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) { propertyRun(t, seed) })
	}
}

func propertyRun(t *testing.T, seed uint64) {
	rnd := rand.New(rand.NewPCG(seed, 15))
	r := newRig(t)
	cfg := r.config()
	cfg.PageSize, cfg.MaxPagesPerWindow = 1+rnd.IntN(7), 1+rnd.IntN(3)
	since := cfg.Since
	p := r.poller(t, cfg)
	want, stored := map[string]bool{}, 0
	for step := range 40 {
		r.now = r.now.Add(time.Duration(rnd.IntN(4)) * time.Minute) // often no time passes: equal lastUpdated
		for range rnd.IntN(5) {
			id := fmt.Sprintf("p-%d-%d", step, len(want))
			recorded := propertyPublish(t, r, rnd, id)
			want[id] = !recorded.Before(since)
		}
		switch rnd.IntN(6) {
		case 0:
			p = r.poller(t, cfg) // a restart
		case 1:
			r.srv.Inject(oneuptest.Fault{Status: 429, RetryAfter: "3600"})
		}
		if rnd.IntN(2) == 0 {
			stored += propertyPoll(t, p)
		}
	}
	r.now = r.now.Add(time.Minute)
	for stored += propertyPoll(t, p); p.notBefore.After(r.now); stored += propertyPoll(t, p) {
		r.now = p.notBefore // a deferral: the clock moves on while the next poll waits
	}
	for id, in := range want {
		if r.sink.has(id) != in {
			t.Errorf("seed %d: %s stored %v, want %v", seed, id, r.sink.has(id), in)
		}
	}
	if n := count(want); r.sink.len() != n || stored != n {
		t.Errorf("seed %d: sink %d, polls stored %d, want %d", seed, r.sink.len(), stored, n)
	}
}

// propertyPublish publishes one event written now (less a lag within half
// the overlap) and returns its `recorded` time.
func propertyPublish(t *testing.T, r *rig, rnd *rand.Rand, id string) time.Time {
	t.Helper()
	written := r.now.Add(-time.Duration(rnd.IntN(300)) * time.Second)
	recorded := written.Add(-time.Duration(rnd.IntN(40*24)) * time.Hour)
	if rnd.IntN(5) == 0 { // no meta.lastUpdated: it counts by recorded, so it was written as it happened
		raw := fmt.Sprintf(`{"resourceType":"AuditEvent","id":%q,"recorded":%q,"subtype":[{"code":"system-selected"}]}`,
			id, written.Format(time.RFC3339Nano))
		if err := r.srv.AddRaw([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		return written
	}
	r.srv.Add(oneuptest.Event{ID: id, Subtype: SubtypeSystemSelected, Recorded: recorded, LastUpdated: written})
	return recorded
}

func propertyPoll(t *testing.T, p *Poller) int {
	t.Helper()
	res, err := p.PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res.Stored
}

func count(m map[string]bool) int {
	n := 0
	for _, v := range m {
		if v {
			n++
		}
	}
	return n
}
