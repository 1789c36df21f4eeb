package oneup

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/oneup/oneuptest"
)

func TestFault429HonoursRetryAfterSeconds(t *testing.T) {
	r := newRig(t)
	r.addEvents("ae", 3)
	r.srv.Inject(oneuptest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "7"})
	if _, err := r.poller(t, r.config()).PollOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := r.sleeps.all(); len(got) != 1 || got[0] != 7*time.Second {
		t.Errorf("waits %v, want [7s]", got)
	}
	if r.sink.len() != 3 {
		t.Errorf("sink %d", r.sink.len())
	}
}

func TestFault429HonoursRetryAfterDate(t *testing.T) {
	r := newRig(t)
	r.addEvents("ae", 1)
	r.srv.Inject(oneuptest.Fault{Status: http.StatusTooManyRequests, RetryAfter: r.now.Add(30 * time.Second).Format(http.TimeFormat)})
	if _, err := r.poller(t, r.config()).PollOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := r.sleeps.all(); len(got) != 1 || got[0] != 30*time.Second {
		t.Errorf("waits %v, want [30s]", got)
	}
}

// TestFault429RetryAfterBeyondLimitDefersPoll: a Retry-After longer than
// MaxRetryAfter stops the poll without failing it; what it read stays
// read, and the next poll waits for it and goes on from there.
func TestFault429RetryAfterBeyondLimitDefersPoll(t *testing.T) {
	r := newRig(t)
	r.addEvents("ae", 25)
	r.srv.Inject(oneuptest.Fault{}, oneuptest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "3600"})
	p := r.poller(t, r.config())
	res, err := p.PollOnce(context.Background())
	if err != nil || !res.DeferredUntil.Equal(r.now.Add(time.Hour)) || r.sink.len() != 10 {
		t.Fatalf("first poll %+v, err %v, sink %d", res, err, r.sink.len())
	}
	if st := p.Status(); st.GetLastErrorAt() != nil || st.GetLastError() != "" || st.GetLastSuccessAt() != nil {
		t.Errorf("a deferred poll is reported as a failure or a success: %v", st)
	}
	if got := r.sleeps.all(); len(got) != 0 {
		t.Errorf("the deferred poll waited %v within itself", got)
	}
	pageNewest := r.now.Add(-time.Hour - 15*time.Minute)
	if !res.Checkpoint.Equal(pageNewest) {
		t.Errorf("checkpoint %v, want the newest of the page read, %v", res.Checkpoint, pageNewest)
	}
	before := len(r.srv.Requests())
	res, err = p.PollOnce(context.Background())
	if err != nil || !res.DeferredUntil.IsZero() || r.sink.len() != 25 {
		t.Fatalf("second poll %+v, err %v, sink %d", res, err, r.sink.len())
	}
	if got := r.sleeps.all(); len(got) != 1 || got[0] != time.Hour {
		t.Errorf("the next poll waited %v, want [1h]", got)
	}
	if got, want := r.srv.Requests()[before].Query.Get("_lastUpdated"), "ge"+pageNewest.Add(-10*time.Minute).Format(time.RFC3339); got != want {
		t.Errorf("the next poll searched _lastUpdated=%s, want %s", got, want)
	}
}

// TestFaultPollCompleteWaitsOutDeferrals: the backfill's PollComplete
// waits a long Retry-After and ends with the whole search read.
func TestFaultPollCompleteWaitsOutDeferrals(t *testing.T) {
	r := newRig(t)
	r.addEvents("ae", 25)
	r.srv.Inject(oneuptest.Fault{}, oneuptest.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "600"})
	res, err := r.poller(t, r.config()).PollComplete(context.Background())
	if err != nil || !res.DeferredUntil.IsZero() || res.Stored != 25 || r.sink.len() != 25 {
		t.Fatalf("result %+v, err %v, sink %d", res, err, r.sink.len())
	}
	if got := r.sleeps.all(); len(got) != 1 || got[0] != 10*time.Minute {
		t.Errorf("waits %v, want [10m]", got)
	}
}

func TestFault503BacksOffThenSucceeds(t *testing.T) {
	r := newRig(t)
	r.addEvents("ae", 3)
	r.srv.Inject(oneuptest.Fault{Status: 503}, oneuptest.Fault{Status: 503})
	cfg := r.config()
	cfg.RetryBase, cfg.RetryMax = time.Second, 10*time.Second
	if _, err := r.poller(t, cfg).PollOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := r.sleeps.all()
	if len(got) != 2 || got[0] < 500*time.Millisecond || got[0] > time.Second || got[1] < time.Second || got[1] > 2*time.Second {
		t.Errorf("waits %v, want jittered 1s then 2s", got)
	}
}

func TestFault503ExhaustsAttempts(t *testing.T) {
	r := newRig(t)
	r.srv.Inject(oneuptest.Fault{Status: 503}, oneuptest.Fault{Status: 503}, oneuptest.Fault{Status: 503})
	p := r.poller(t, r.config())
	_, err := p.PollOnce(context.Background())
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 503 || se.Attempts != 3 || len(r.srv.Requests()) != 3 {
		t.Fatalf("err %v after %d requests", err, len(r.srv.Requests()))
	}
	st := p.Status()
	if st.GetState() != conneventsv1.SourceState_SOURCE_STATE_ERROR || st.GetLastErrorAt() == nil || !strings.Contains(st.GetLastError(), "503") {
		t.Errorf("status %v", st)
	}
}

func TestFaultSlowResponseTimesOutThenRetries(t *testing.T) {
	r := newRig(t)
	r.addEvents("ae", 2)
	r.srv.Inject(oneuptest.Fault{Delay: time.Minute})
	cfg := r.config()
	cfg.RequestTimeout = 50 * time.Millisecond
	if _, err := r.poller(t, cfg).PollOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(r.sleeps.all()) != 1 || r.sink.len() != 2 {
		t.Errorf("waits %v, sink %d", r.sleeps.all(), r.sink.len())
	}
}

func TestFaultSlowResponseEveryAttempt(t *testing.T) {
	r := newRig(t)
	r.srv.Inject(oneuptest.Fault{Delay: time.Minute}, oneuptest.Fault{Delay: time.Minute})
	cfg := r.config()
	cfg.RequestTimeout, cfg.MaxAttempts = 50*time.Millisecond, 2
	_, err := r.poller(t, cfg).PollOnce(context.Background())
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("err %v", err)
	}
}

func TestFaultMalformedPageKeepsStoredEvents(t *testing.T) {
	r := newRig(t)
	r.addEvents("ae", 25)
	r.srv.Inject(oneuptest.Fault{}, oneuptest.Fault{Malformed: true})
	p := r.poller(t, r.config())
	_, err := p.PollOnce(context.Background())
	if !errors.Is(err, ErrMalformedPage) {
		t.Fatalf("err %v, want ErrMalformedPage", err)
	}
	if r.sink.len() != 10 || len(r.srv.Requests()) != 2 {
		t.Fatalf("sink %d, requests %d: a malformed page is not retried within the poll", r.sink.len(), len(r.srv.Requests()))
	}
	if _, ok := r.cps.m[DefaultCheckpointKey]; ok {
		t.Fatal("checkpoint advanced past a malformed page")
	}
	res, err := p.PollOnce(context.Background())
	if err != nil || r.sink.len() != 25 || res.Duplicates != 10 {
		t.Fatalf("second poll %+v err %v sink %d", res, err, r.sink.len())
	}
	if p.Status().GetState() != conneventsv1.SourceState_SOURCE_STATE_OK {
		t.Errorf("state %v", p.Status().GetState())
	}
}

func TestFaultUnauthorizedIsConfigError(t *testing.T) {
	r := newRig(t)
	cfg := r.config()
	cfg.ClientSecret = "wrong-secret-value"
	p := r.poller(t, cfg)
	_, err := p.PollOnce(context.Background())
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.StatusCode != http.StatusUnauthorized {
		t.Fatalf("err %v", err)
	}
	if n := len(r.srv.Requests()); n != 1 {
		t.Errorf("%d requests: credentials errors must not be retried", n)
	}
	if p.Status().GetState() != conneventsv1.SourceState_SOURCE_STATE_CONFIG_ERROR {
		t.Errorf("state %v", p.Status().GetState())
	}
}

func TestFaultNextLinkToAnotherHostRefused(t *testing.T) {
	c, err := NewClient(Config{BaseURL: "https://api.1up.health", ClientID: "id", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"resourceType":"Bundle","link":[{"relation":"next","url":"https://evil.example/r4/AuditEvent?_skip=10"}]}`)
	page, _ := http.NewRequest(http.MethodGet, "https://api.1up.health/r4/AuditEvent", nil)
	if _, err := c.decodePage(body, page.URL); !errors.Is(err, ErrMalformedPage) {
		t.Errorf("err %v, want ErrMalformedPage", err)
	}
}
