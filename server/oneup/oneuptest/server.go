package oneuptest

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"sync"
	"time"
)

// Default credentials the server accepts.
const (
	ClientID     = "test-client-id"
	ClientSecret = "test-client-secret-do-not-log"
)

// Paging limits, as 1upHealth documents them.
const (
	DefaultCount = 10
	MaxCount     = 100
	MaxSkip      = 10000
)

// Fault makes one AuditEvent request misbehave. The zero Fault answers
// normally (useful to let earlier requests through).
type Fault struct {
	// Status, when set, is answered instead of a page (for example 429 or
	// 503), with an OperationOutcome body.
	Status int
	// RetryAfter is sent as the Retry-After header with Status.
	RetryAfter string
	// Delay holds the answer back (until the client gives up first).
	Delay time.Duration
	// Malformed answers 200 with a truncated Bundle.
	Malformed bool
}

// Request is what the server saw of one request.
type Request struct {
	Query  url.Values
	Header http.Header
}

// Server is the fake 1upHealth FHIR API. Its methods are safe for
// concurrent use while it serves.
type Server struct {
	// URL is the base URL (pass it as the client's base URL).
	URL string

	srv      *http.Server
	mu       sync.Mutex
	events   []stored // sorted by lastUpdated, then by when they were added
	held     []Event
	faults   []Fault
	requests []Request
}

type stored struct {
	id          string
	subtypes    []string
	recorded    time.Time
	lastUpdated time.Time
	raw         []byte
}

// TB is the part of testing.TB that New uses (so that this package does
// not import testing, and a non-test binary can use Start).
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// New starts a Server on a loopback port; it is closed when the test ends.
func New(tb TB) *Server {
	tb.Helper()
	s, err := Start("")
	if err != nil {
		tb.Fatalf("oneuptest: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}

// Start starts a Server listening on addr ("" means a free loopback port,
// 127.0.0.1:0). The caller must Close it.
func Start(addr string) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /r4/AuditEvent", s.search)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server and closes its connections, including those
// with a request in progress.
func (s *Server) Close() error {
	return s.srv.Close()
}

// Add publishes events rendered by AuditEvent. They are served sorted by
// meta.lastUpdated (Event.LastUpdated, or Recorded when zero), after the
// events already published with the same lastUpdated.
func (s *Server) Add(events ...Event) {
	for _, e := range events {
		if err := s.AddRaw(AuditEvent(e)); err != nil {
			panic(err) // AuditEvent always renders id and recorded
		}
	}
}

// Hold keeps events back: they are not served until Publish.
func (s *Server) Hold(events ...Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.held = append(s.held, events...)
}

// Publish publishes every held event, in the order held, with
// meta.lastUpdated set to at (their Recorded stays as it was: a late
// write), and returns how many it published.
func (s *Server) Publish(at time.Time) int {
	s.mu.Lock()
	held := s.held
	s.held = nil
	s.mu.Unlock()
	for _, e := range held {
		e.LastUpdated = at
		s.Add(e)
	}
	return len(held)
}

// AddRaw publishes resources as given (served byte for byte). Each must be
// a JSON object with an id and an RFC 3339 `recorded`; subtype codes are
// read for filtering, and meta.lastUpdated (Recorded when absent) for
// _lastUpdated and the sort order.
func (s *Server) AddRaw(raws ...[]byte) error {
	for _, raw := range raws {
		st, err := decodeStored(raw)
		if err != nil {
			return err
		}
		s.mu.Lock()
		i := sort.Search(len(s.events), func(i int) bool { return s.events[i].lastUpdated.After(st.lastUpdated) })
		s.events = slices.Insert(s.events, i, st)
		s.mu.Unlock()
	}
	return nil
}

func decodeStored(raw []byte) (stored, error) {
	var ae struct {
		ID       string `json:"id"`
		Recorded string `json:"recorded"`
		Meta     struct {
			LastUpdated string `json:"lastUpdated"`
		} `json:"meta"`
		Subtype []struct {
			Code string `json:"code"`
		} `json:"subtype"`
	}
	if err := json.Unmarshal(raw, &ae); err != nil {
		return stored{}, err
	}
	rec, err := time.Parse(time.RFC3339Nano, ae.Recorded)
	if err != nil || ae.ID == "" {
		return stored{}, errors.New("oneuptest: a resource needs an id and an RFC 3339 recorded")
	}
	st := stored{id: ae.ID, recorded: rec, lastUpdated: rec, raw: slices.Clone(raw)}
	if lu, err := time.Parse(time.RFC3339Nano, ae.Meta.LastUpdated); err == nil {
		st.lastUpdated = lu
	}
	for _, c := range ae.Subtype {
		st.subtypes = append(st.subtypes, c.Code)
	}
	return st, nil
}

// Inject queues faults; each later AuditEvent request that passes the
// credential check takes the next one.
func (s *Server) Inject(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

// Requests returns the AuditEvent requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Len returns how many events the server has published.
func (s *Server) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.events)
}
