package oneup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/telemetry"
)

// Defaults of Config.
const (
	DefaultBaseURL           = "https://api.1up.health"
	DefaultInterval          = time.Minute
	DefaultSinceAge          = 7 * 24 * time.Hour
	DefaultOverlap           = 10 * time.Minute
	DefaultPageSize          = 100
	DefaultMaxPagesPerWindow = 50
	DefaultRequestTimeout    = 30 * time.Second
	DefaultMaxAttempts       = 5
	DefaultRetryBase         = 500 * time.Millisecond
	DefaultRetryMax          = 30 * time.Second
	DefaultMaxRetryAfter     = 2 * time.Minute
	DefaultMaxErrorInterval  = 15 * time.Minute
	DefaultCheckpointKey     = "oneup.audit_event.date"
)

// Config configures the Client and the Poller. Zero values take the
// defaults above; the flag and environment names are given per field.
type Config struct {
	// BaseURL of the FHIR API (--oneup-base-url, CONNEVENTS_ONEUP_BASE_URL).
	BaseURL string
	// ClientID and ClientSecret are the 1upHealth client credentials
	// (--oneup-client-id / CONNEVENTS_ONEUP_CLIENT_ID,
	// --oneup-client-secret / CONNEVENTS_ONEUP_CLIENT_SECRET). The secret
	// is sent only as a header to BaseURL's host and never logged.
	ClientID, ClientSecret string
	// Subtypes to pull (--oneup-subtypes, CONNEVENTS_ONEUP_SUBTYPES);
	// empty means AllSubtypes().
	Subtypes []string
	// Interval between polls in Run (--oneup-poll-interval,
	// CONNEVENTS_ONEUP_POLL_INTERVAL). Zero (the flag's "0") disables Run;
	// the flag's default is DefaultInterval.
	Interval time.Duration
	// Since bounds the events pulled by their `recorded` time
	// (--oneup-since, CONNEVENTS_ONEUP_SINCE): every search asks
	// `date=ge(Since)`. Zero means: the first poll (no checkpoint stored
	// yet) reads events recorded from DefaultSinceAge before NewPoller's
	// Now, and later polls follow the checkpoint with no `date` bound.
	Since time.Time
	// Overlap re-reads this much before the checkpoint (a meta.lastUpdated
	// time) on every poll, to pick up events that become visible in
	// 1upHealth's search a little after the lastUpdated time they carry.
	Overlap time.Duration
	// PageSize is the _count of each search (1..100).
	PageSize int
	// MaxPagesPerWindow bounds how deep one search is paged before the
	// poller moves its date window forward instead (see PollOnce).
	MaxPagesPerWindow int
	// RequestTimeout bounds each HTTP request, body included.
	RequestTimeout time.Duration
	// MaxAttempts bounds the requests for one page (429, 5xx, timeouts).
	MaxAttempts int
	// RetryBase and RetryMax bound the exponential backoff between attempts.
	RetryBase, RetryMax time.Duration
	// MaxRetryAfter is the longest Retry-After waited for within a poll; a
	// longer one stops the poll without failing it, and the next poll
	// waits for it (see PollOnce).
	MaxRetryAfter time.Duration
	// MaxErrorInterval caps Run's wait after consecutive failed polls (the
	// wait doubles from Interval).
	MaxErrorInterval time.Duration
	// CheckpointKey is where the checkpoint is stored (a backfill may use
	// its own key).
	CheckpointKey string
	// HTTPClient sends the requests; nil means a new http.Client. It is
	// copied, and the copy refuses redirects to another host.
	HTTPClient *http.Client
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits between attempts and polls; nil means a timer. It must
	// return ctx.Err() when ctx ends first. Tests replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Progress, when set, is called after each page with the poll's
	// running totals (the backfill command prints them).
	Progress func(PollResult)
	// Status, when set, is told each entry a poll rejects, the checkpoint
	// and the end of each poll: the server's status board, which also
	// counts pushes and what the Sink stores. Nil reports nothing.
	Status StatusRecorder
	// DeadLetters, when set, keeps each entry a poll cannot normalize (the
	// server's deadletter.Keeper); the poll moves on past it. A keeper that
	// fails fails the poll, so that the entry is read again. Nil: entries
	// are only counted as rejected.
	DeadLetters DeadLetterKeeper
	// Metrics counts pages, failed polls by kind, the last success and the
	// checkpoint; nil: nowhere.
	Metrics *telemetry.Metrics
}

// DeadLetterKeeper keeps entries that cannot be normalized, their Raw and
// Err (deadletter.Keeper), in one transaction.
type DeadLetterKeeper interface {
	KeepItems(ctx context.Context, src conneventsv1.Source, items []Item) ([]*conneventsv1.DeadLetter, error)
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	c.BaseURL = strings.TrimRight(orDefault(c.BaseURL, DefaultBaseURL), "/")
	if len(c.Subtypes) == 0 {
		c.Subtypes = AllSubtypes()
	}
	c.Overlap = orDefault(c.Overlap, DefaultOverlap)
	c.PageSize = orDefault(c.PageSize, DefaultPageSize)
	c.MaxPagesPerWindow = orDefault(c.MaxPagesPerWindow, DefaultMaxPagesPerWindow)
	c.RequestTimeout = orDefault(c.RequestTimeout, DefaultRequestTimeout)
	c.MaxAttempts = orDefault(c.MaxAttempts, DefaultMaxAttempts)
	c.RetryBase = orDefault(c.RetryBase, DefaultRetryBase)
	c.RetryMax = orDefault(c.RetryMax, DefaultRetryMax)
	c.MaxRetryAfter = orDefault(c.MaxRetryAfter, DefaultMaxRetryAfter)
	c.MaxErrorInterval = orDefault(c.MaxErrorInterval, DefaultMaxErrorInterval)
	c.CheckpointKey = orDefault(c.CheckpointKey, DefaultCheckpointKey)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = sleep
	}
	return c
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Validate reports the first invalid field. It never quotes the secret.
func (c Config) Validate() error {
	u, err := url.Parse(c.BaseURL)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return errors.New("oneup: the base URL must be an absolute http(s) URL")
	case c.ClientID == "" || c.ClientSecret == "":
		return errors.New("oneup: the client id and client secret are required")
	case c.Interval < 0 || c.Overlap < 0:
		return errors.New("oneup: the poll interval and overlap must not be negative")
	case c.PageSize < 1 || c.PageSize > 100:
		return fmt.Errorf("oneup: the page size must be 1..100, not %d", c.PageSize)
	}
	for _, s := range c.Subtypes {
		if s == "" || strings.ContainsAny(s, ", ") {
			return errors.New("oneup: a subtype is empty or contains a comma or space")
		}
	}
	return nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
