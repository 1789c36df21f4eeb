package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"
)

// Config is what `connevents-bench` can be told.
type Config struct {
	// Quick makes a short run: shorter phases, a smaller Get/List store and
	// fewer subscribers (labelled in the report).
	Quick bool `json:"quick"`
	// Duration is how long each throughput phase runs.
	Duration time.Duration `json:"duration_ns"`
	// Events caps the operations of one throughput phase (0: no cap).
	Events int `json:"events"`
	// Rows is the size of the Get/List store.
	Rows int `json:"rows"`
	// Clients is the concurrency of the HTTP and unary gRPC clients.
	Clients int `json:"clients"`
	// CacheDir keeps the Get/List store between runs ("" builds it in a
	// temporary directory each time).
	CacheDir string `json:"cache_dir,omitempty"`
	// Binary is the connevents executable, run as a child process (`serve`)
	// to measure the memory of idle subscribers ("" skips those rows).
	Binary string `json:"-"`
	// BareBinary is an executable that serves the bare gRPC fan-out when
	// run with --bare-server (ServeBare): connevents-bench itself. It is the
	// memory rows' ceiling process ("" skips those rows).
	BareBinary string `json:"-"`
	// Postgres is the PostgreSQL server of the query and replica rows
	// ("" skips them); each run uses schemas of random name it drops.
	Postgres string `json:"-"`
	// Only runs the named phases (webhook, peers, grpc, journeys, reads,
	// queries, fanout, fsync, replicas, memory); empty runs all.
	Only []string `json:"only,omitempty"`
	// Progress receives the progress line (nil: silent).
	Progress io.Writer `json:"-"`
}

// Defaults fills the zero fields for a full or a quick run.
func (c *Config) Defaults() {
	if c.Duration == 0 {
		c.Duration = 10 * time.Second
		if c.Quick {
			c.Duration = 3 * time.Second
		}
	}
	if c.Rows == 0 {
		c.Rows = 1_000_000
		if c.Quick {
			c.Rows = 100_000
		}
	}
	if c.Clients == 0 {
		c.Clients = 64
	}
}

// Bench is one run in progress.
type Bench struct {
	cfg      Config
	tmp      string
	progress *progress
	results  []Result

	errMu  sync.Mutex
	errors map[string]string // first error of each phase

	queries []QueryResult // the query rows' detail

	peerCompare float64 // connevents webhook events/s, for the peers
	batchedRate float64 // connevents batched gRPC events/s
}

// Run measures everything cfg asks for and returns the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg.Defaults()
	tmp, err := os.MkdirTemp("", "connevents-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	b := &Bench{cfg: cfg, tmp: tmp, progress: &progress{w: cfg.Progress, began: time.Now()}, errors: map[string]string{}}
	rep := &Report{Machine: thisMachine(), Config: cfg, Started: time.Now()}
	for _, p := range b.phases() {
		if len(cfg.Only) > 0 && !slices.Contains(cfg.Only, p.name) {
			continue
		}
		if err := p.run(ctx); err != nil {
			b.progress.done()
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
	}
	b.progress.done()
	rep.Elapsed = time.Since(rep.Started)
	rep.Results = b.results
	rep.Queries = b.queries
	return rep, nil
}

type phase struct {
	name string
	run  func(context.Context) error
}

func (b *Bench) phases() []phase {
	return []phase{
		{"webhook", b.webhookPhase},
		{"peers", b.peersPhase},
		{"grpc", b.grpcPhase},
		{"journeys", b.journeysPhase},
		{"reads", b.readsPhase},
		{"queries", b.queriesPhase},
		{"fanout", b.fanoutPhase},
		{"fsync", b.fsyncPhase},
		{"replicas", b.replicasPhase},
		{"memory", b.memoryPhase},
	}
}

// add records a row with the machine's load average at its end.
func (b *Bench) add(r Result) {
	r.Load = loadAverage()
	b.results = append(b.results, r)
}

// noteError keeps the first error of a phase for the report.
func (b *Bench) noteError(phase string, err error) {
	b.errMu.Lock()
	defer b.errMu.Unlock()
	if _, ok := b.errors[phase]; !ok {
		b.errors[phase] = err.Error()
	}
}

// errorNote describes the errors of a load, if any.
func (b *Bench) errorNote(phase string, s stats) string {
	if s.errors == 0 {
		return ""
	}
	b.errMu.Lock()
	defer b.errMu.Unlock()
	return fmt.Sprintf("%d errors (first: %s)", s.errors, b.errors[phase])
}

// maxOps is the cap of one throughput phase.
func (b *Bench) maxOps(def int) int {
	if b.cfg.Events > 0 {
		return b.cfg.Events
	}
	return def
}
