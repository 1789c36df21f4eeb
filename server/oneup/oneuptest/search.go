package oneuptest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// search answers GET /r4/AuditEvent.
func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	s.record(r)
	if !authorized(r) {
		outcome(w, http.StatusUnauthorized, "login", "missing or invalid client credentials")
		return
	}
	if f, ok := s.nextFault(); ok && s.applyFault(w, r, f) {
		return
	}
	q := r.URL.Query()
	count, skip := intParam(q, "_count", DefaultCount), intParam(q, "_skip", 0)
	count = min(max(count, 1), MaxCount)
	if skip > MaxSkip {
		outcome(w, http.StatusBadRequest, "too-costly", "_skip is capped at 10000; narrow the search")
		return
	}
	matches, err := s.match(q)
	if err != nil {
		outcome(w, http.StatusBadRequest, "invalid", err.Error())
		return
	}
	writeBundle(w, s.pageLinks(r, q, skip, count, len(matches)), matches, skip, count, s.URL)
}

func (s *Server) record(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Query: r.URL.Query(), Header: r.Header.Clone()})
}

func authorized(r *http.Request) bool {
	return r.Header.Get("client_id") == ClientID && r.Header.Get("client_secret") == ClientSecret &&
		r.Header.Get("x-oneup-user-id") != ""
}

func (s *Server) nextFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return Fault{}, false
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f, true
}

// applyFault acts out f and reports whether the response was written.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-r.Context().Done():
			return true
		case <-t.C:
		}
	}
	switch {
	case f.Status != 0:
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		outcome(w, f.Status, "transient", http.StatusText(f.Status))
		return true
	case f.Malformed:
		w.Header().Set("Content-Type", "application/fhir+json")
		_, _ = w.Write([]byte(`{"resourceType":"Bundle","type":"searchset","entry":[{"resource":`))
		return true
	}
	return false
}

// match returns the events that pass the subtype, date (on recorded) and
// _lastUpdated filters, sorted by lastUpdated (the order they are kept in).
func (s *Server) match(q url.Values) ([]stored, error) {
	var subtypes []string
	for _, v := range q["subtype"] {
		subtypes = append(subtypes, strings.Split(v, ",")...)
	}
	dates, err := timeFilters(q["date"])
	if err != nil {
		return nil, err
	}
	updated, err := timeFilters(q["_lastUpdated"])
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []stored
	for _, e := range s.events {
		if (len(subtypes) == 0 || hasAny(e.subtypes, subtypes)) && dates(e.recorded) && updated(e.lastUpdated) {
			out = append(out, e)
		}
	}
	return out, nil
}

func hasAny(have, want []string) bool {
	for _, h := range have {
		if slices.Contains(want, h) {
			return true
		}
	}
	return false
}

// timeFilters parses `date` or `_lastUpdated` values with a ge/gt/le/lt
// prefix.
func timeFilters(values []string) (func(time.Time) bool, error) {
	var tests []func(time.Time) bool
	for _, v := range values {
		if len(v) < 3 {
			return nil, fmt.Errorf("bad date %q", v)
		}
		t, err := time.Parse(time.RFC3339Nano, v[2:])
		if err != nil {
			return nil, fmt.Errorf("bad date %q", v)
		}
		test, ok := map[string]func(time.Time) bool{
			"ge": func(x time.Time) bool { return !x.Before(t) }, "gt": func(x time.Time) bool { return x.After(t) },
			"le": func(x time.Time) bool { return !x.After(t) }, "lt": func(x time.Time) bool { return x.Before(t) },
		}[v[:2]]
		if !ok {
			return nil, fmt.Errorf("bad date prefix %q", v[:2])
		}
		tests = append(tests, test)
	}
	return func(x time.Time) bool {
		for _, t := range tests {
			if !t(x) {
				return false
			}
		}
		return true
	}, nil
}

func intParam(q url.Values, name string, def int) int {
	n, err := strconv.Atoi(q.Get(name))
	if err != nil || n < 0 {
		return def
	}
	return n
}
