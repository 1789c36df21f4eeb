package oneup

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/oneup/oneuptest"
	"github.com/connevents/connevents/server/reason"
)

func TestPollFullMultiPage(t *testing.T) {
	r := newRig(t)
	r.addEvents("ae", 25)
	var progress []PollResult
	cfg := r.config()
	cfg.Progress = func(p PollResult) { progress = append(progress, p) }
	res, err := r.poller(t, cfg).PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Pages != 3 || res.Fetched != 25 || res.Stored != 25 || res.Duplicates != 0 || r.sink.len() != 25 {
		t.Fatalf("result %+v, sink %d", res, r.sink.len())
	}
	if len(progress) != 3 || progress[2].Stored != 25 {
		t.Errorf("progress %+v", progress)
	}
	newest := r.now.Add(-time.Hour)
	if got, old, err := decodeCheckpoint(r.cps.m[DefaultCheckpointKey]); err != nil || old || !got.Equal(newest) || !res.Checkpoint.Equal(newest) {
		t.Errorf("checkpoint %q / %v, want %v", r.cps.m[DefaultCheckpointKey], res.Checkpoint, newest)
	}
	for i, req := range r.srv.Requests() {
		h := req.Header
		if h.Get("client_id") != oneuptest.ClientID || h.Get("client_secret") != oneuptest.ClientSecret || h.Get("x-oneup-user-id") != "client" {
			t.Errorf("request %d lacks the credential headers", i)
		}
	}
	first := r.srv.Requests()[0].Query
	if first.Get("_sort") != "_lastUpdated" || first.Get("_count") != "10" ||
		first.Get("date") != "ge"+r.now.Add(-30*24*time.Hour).Format(time.RFC3339) || first.Has("_lastUpdated") ||
		len(strings.Split(first.Get("subtype"), ",")) != 9 {
		t.Errorf("first query %v", first)
	}
}

func TestPollSecondPollReadsFromCheckpointMinusOverlap(t *testing.T) {
	r := newRig(t)
	r.addEvents("ae", 5)
	p := r.poller(t, r.config())
	if _, err := p.PollOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	res, err := p.PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	reqs := r.srv.Requests()
	want := "ge" + r.now.Add(-time.Hour-10*time.Minute).Format(time.RFC3339)
	if got := reqs[len(reqs)-1].Query.Get("_lastUpdated"); got != want {
		t.Errorf("second poll _lastUpdated %q, want %q", got, want)
	}
	if got, want := reqs[len(reqs)-1].Query.Get("date"), "ge"+r.now.Add(-30*24*time.Hour).Format(time.RFC3339); got != want {
		t.Errorf("second poll date %q, want the explicit Since %q", got, want)
	}
	if res.Stored != 0 || res.Duplicates != 5 {
		t.Errorf("second poll %+v", res)
	}
	st := p.Status()
	if !st.GetCheckpoint().AsTime().Equal(r.now.Add(-time.Hour - 10*time.Minute)) {
		t.Errorf("status checkpoint %v", st.GetCheckpoint().AsTime())
	}
}

func TestPollRestartMidwayNoGapNoDuplicate(t *testing.T) {
	r := newRig(t)
	r.addEvents("ae", 25)
	r.sink.failOn = 2 // the process "dies" while storing page 2
	if _, err := r.poller(t, r.config()).PollOnce(context.Background()); err == nil {
		t.Fatal("want the simulated crash")
	}
	if r.sink.len() != 10 {
		t.Fatalf("after crash sink has %d, want 10", r.sink.len())
	}
	if _, ok := r.cps.m[DefaultCheckpointKey]; ok {
		t.Fatal("checkpoint advanced by an incomplete poll")
	}
	res, err := r.poller(t, r.config()).PollOnce(context.Background()) // a new process
	if err != nil {
		t.Fatal(err)
	}
	if r.sink.len() != 25 || res.Stored != 15 || res.Duplicates != 10 {
		t.Fatalf("after restart %+v, sink %d", res, r.sink.len())
	}
}

// TestPollLateArrivalInsideOverlap: an event that shows up in the search
// after later ones with a lastUpdated a little before the checkpoint (a
// lagging replica) is read when the lag is within Overlap; beyond it is
// the documented limit.
func TestPollLateArrivalInsideOverlap(t *testing.T) {
	r := newRig(t)
	r.addEvents("ae", 3)
	p := r.poller(t, r.config())
	if _, err := p.PollOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	newest := r.now.Add(-time.Hour)
	r.srv.Add(
		oneuptest.Event{ID: "late-inside", Subtype: SubtypeSystemSelected, Recorded: newest.Add(-5 * time.Minute)},
		oneuptest.Event{ID: "late-outside", Subtype: SubtypeSystemSelected, Recorded: newest.Add(-20 * time.Minute)},
	)
	res, err := p.PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !r.sink.has("late-inside") || res.Stored != 1 {
		t.Errorf("late event inside the overlap not picked up: %+v", res)
	}
	if r.sink.has("late-outside") {
		t.Error("an event visible later than the overlap after its lastUpdated is not expected to be read (documented limit)")
	}
}

func TestPollMovesWindowInsteadOfPagingDeep(t *testing.T) {
	r := newRig(t)
	for i := 0; i < 40; i++ { // one event an hour: windows can move
		r.srv.Add(oneuptest.Event{ID: "w-" + string(rune('a'+i)), Subtype: SubtypeSystemSelected,
			Recorded: r.now.Add(-time.Duration(48-i) * time.Hour)})
	}
	cfg := r.config()
	cfg.PageSize, cfg.MaxPagesPerWindow = 5, 2
	res, err := r.poller(t, cfg).PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if r.sink.len() != 40 || res.Windows < 4 {
		t.Fatalf("sink %d, result %+v", r.sink.len(), res)
	}
	for _, req := range r.srv.Requests() {
		if skip, _ := strconv.Atoi(req.Query.Get("_skip")); skip > 5 {
			t.Fatalf("paged deeper than MaxPagesPerWindow: _skip=%s", req.Query.Get("_skip"))
		}
	}
}

func TestPollCheckpointNeverInFuture(t *testing.T) {
	r := newRig(t)
	r.srv.Add(oneuptest.Event{ID: "future", Subtype: SubtypeSystemSelected, Recorded: r.now.Add(24 * time.Hour)})
	res, err := r.poller(t, r.config()).PollOnce(context.Background())
	if err != nil || !res.Checkpoint.Equal(r.now) {
		t.Fatalf("checkpoint %v err %v, want now", res.Checkpoint, err)
	}
}

func TestPollRejectionsCounted(t *testing.T) {
	r := newRig(t)
	r.addEvents("ae", 2)
	basic := `{"resourceType":"Basic","id":"b1","recorded":"2026-03-10T10:00:00Z","subtype":[{"code":"system-selected"}]}`
	if err := r.srv.AddRaw([]byte(basic)); err != nil {
		t.Fatal(err)
	}
	p := r.poller(t, r.config())
	res, err := p.PollOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Rejected != 1 || res.RejectionsByReason[string(reason.NotAnAuditEvent)] != 1 {
		t.Errorf("poll result %+v", res)
	}
	// The rejection is reported to the status board; what the poll stores
	// is counted there by the ingest path (the sink), not by the poller.
	st := p.Status()
	if st.GetRejectionsByReason()[string(reason.NotAnAuditEvent)] != 1 {
		t.Errorf("rejections %v", st.GetRejectionsByReason())
	}
	if res.Stored != 2 || st.GetState() != conneventsv1.SourceState_SOURCE_STATE_OK || st.GetLastSuccessAt() == nil {
		t.Errorf("stored %d, status %v", res.Stored, st)
	}
}

func TestPollOldCheckpointWinsOverDefaultSince(t *testing.T) {
	r := newRig(t)
	old := r.now.Add(-10 * 24 * time.Hour) // down for ten days
	r.cps.m[DefaultCheckpointKey] = encodeCheckpoint(old)
	r.srv.Add(oneuptest.Event{ID: "during-outage", Subtype: SubtypeSystemSelected, Recorded: old.Add(time.Hour)})
	cfg := r.config()
	cfg.Since = time.Time{}
	if _, err := r.poller(t, cfg).PollOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	q := r.srv.Requests()[0].Query
	if got, want := q.Get("_lastUpdated"), "ge"+old.Add(-10*time.Minute).Format(time.RFC3339); got != want || q.Has("date") {
		t.Errorf("_lastUpdated %q, date %q; want %q and no date bound", got, q.Get("date"), want)
	}
	if !r.sink.has("during-outage") {
		t.Error("event recorded during the outage was skipped")
	}
}

func TestPollExplicitSinceIsAFloor(t *testing.T) {
	r := newRig(t)
	cfg := r.config()
	r.cps.m[DefaultCheckpointKey] = encodeCheckpoint(cfg.Since.Add(-time.Hour))
	if _, err := r.poller(t, cfg).PollOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := r.srv.Requests()[0].Query.Get("date"), "ge"+cfg.Since.Format(time.RFC3339); got != want {
		t.Errorf("date %q, want %q", got, want)
	}
}
