package oneup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxPageBytes bounds the body of one search page (100 AuditEvents are far
// smaller).
const maxPageBytes = 32 << 20

// Client reads AuditEvent search pages from the 1upHealth FHIR API with the
// client-credential headers, retrying rate limits, server errors and
// timeouts. It is safe for concurrent use.
type Client struct {
	cfg  Config
	base *url.URL
	http *http.Client
}

// Page is one decoded search page.
type Page struct {
	// Items are the page's entries, normalized, in order.
	Items []Item
	// Next is the absolute URL of the next page, or "" on the last page.
	Next string
}

// NewClient returns a Client for cfg (defaults applied, then validated).
func NewClient(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
	}
	hc.CheckRedirect = sameHostRedirects(base)
	return &Client{cfg: cfg, base: base, http: hc}, nil
}

// sameHostRedirects refuses a redirect to another scheme or host: the
// credential headers would follow it.
func sameHostRedirects(base *url.URL) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 || req.URL.Scheme != base.Scheme || req.URL.Host != base.Host {
			return errors.New("redirect refused")
		}
		return nil
	}
}

// SearchURL is the first page of `GET {base}/r4/AuditEvent` for the
// subtypes (comma = OR) recorded at or after recordedSince (`date`) and
// written at or after updatedSince (`_lastUpdated`), sorted by
// _lastUpdated ascending. A zero bound is left out; bounds are sent in UTC
// to the second (see searchTime).
func (c *Client) SearchURL(subtypes []string, recordedSince, updatedSince time.Time) string {
	esc := make([]string, len(subtypes))
	for i, s := range subtypes {
		esc[i] = url.QueryEscape(s)
	}
	q := "subtype=" + strings.Join(esc, ",")
	if !recordedSince.IsZero() {
		q += "&date=" + url.QueryEscape("ge"+searchTime(recordedSince).Format(time.RFC3339))
	}
	if !updatedSince.IsZero() {
		q += "&_lastUpdated=" + url.QueryEscape("ge"+searchTime(updatedSince).Format(time.RFC3339))
	}
	q += "&_count=" + strconv.Itoa(c.cfg.PageSize) + "&_sort=_lastUpdated"
	return c.cfg.BaseURL + "/r4/AuditEvent?" + q
}

// searchTime is t as a search bound: in UTC, truncated to the second (so
// that a `ge` bound never excludes the rest of its second).
func searchTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Second)
}

// Fetch reads one page, retrying up to MaxAttempts times: 429 after its
// Retry-After (or backoff), 5xx, network errors and timeouts after an
// exponential backoff with jitter. A Retry-After longer than MaxRetryAfter
// is a *RetryAfterError, 401/403 a *ConfigError, other statuses a
// *StatusError, an unusable body wraps ErrMalformedPage; none of these is
// retried. Errors never contain the secret or the URL.
func (c *Client) Fetch(ctx context.Context, pageURL string) (*Page, error) {
	for attempt := 1; ; attempt++ {
		page, err := c.attempt(ctx, pageURL, attempt)
		var r *retryable
		if err == nil {
			return page, nil
		}
		if !errors.As(err, &r) || attempt >= c.cfg.MaxAttempts || ctx.Err() != nil {
			return nil, fmt.Errorf("oneup: %w", unwrapRetryable(err))
		}
		wait := r.after
		if wait == 0 {
			wait = backoff(attempt, c.cfg.RetryBase, c.cfg.RetryMax)
		}
		if wait > c.cfg.MaxRetryAfter {
			return nil, fmt.Errorf("oneup: %w", &RetryAfterError{StatusCode: statusOf(r.err), After: wait, Limit: c.cfg.MaxRetryAfter})
		}
		c.cfg.Logger.InfoContext(ctx, "oneup: retrying request", "attempt", attempt, "wait", wait.String(), "error", r.err.Error())
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func statusOf(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.StatusCode
	}
	return 0
}

func unwrapRetryable(err error) error {
	var r *retryable
	if errors.As(err, &r) {
		return r.err
	}
	return err
}

// attempt makes one request within RequestTimeout.
func (c *Client) attempt(ctx context.Context, pageURL string, n int) (*Page, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pageURL, nil)
	if err != nil {
		return nil, malformed("the next link is not a URL")
	}
	c.authorize(req)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	if err := c.statusError(resp, n); err != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPageBytes+1))
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	return c.decodePage(body, req.URL)
}

// authorize sets the three client-credential headers, spelled exactly as
// 1upHealth documents them.
func (c *Client) authorize(req *http.Request) {
	req.Header["client_id"] = []string{c.cfg.ClientID}
	req.Header["client_secret"] = []string{c.cfg.ClientSecret}
	req.Header["x-oneup-user-id"] = []string{"client"}
	req.Header.Set("Accept", "application/fhir+json")
}

// transportError describes a failed exchange without its URL (a
// *url.Error quotes it) and marks it retryable unless ctx itself ended.
func (c *Client) transportError(ctx context.Context, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("request timed out after %s", c.cfg.RequestTimeout)
	} else {
		err = fmt.Errorf("request failed: %w", err)
	}
	return &retryable{err: err}
}

// statusError classifies a non-2xx response.
func (c *Client) statusError(resp *http.Response, attempt int) error {
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
		return nil
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return &ConfigError{StatusCode: code}
	case isRetryableStatus(code):
		return &retryable{err: &StatusError{StatusCode: code, Attempts: attempt},
			after: retryAfter(resp.Header, c.cfg.Now())}
	}
	return &StatusError{StatusCode: code, Attempts: attempt}
}
