// Command connevents-bench measures connevents the way users load it,
// beside this machine's ceilings, and prints a table (or --json):
//
//	connevents-bench [--quick] [--json] [--only PHASES] [--connevents PATH]
//
// It is a module of its own (bench/go.mod) so that the service's binary and
// go.mod carry none of its dependencies (NATS, testing helpers). The memory
// rows run the connevents binary (--connevents) and this binary with
// --bare-server as child processes. See docs/benchmarks.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/connevents/connevents/bench"
)

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "connevents-bench:", err)
		os.Exit(1)
	}
}

// options are the command's flags beside bench.Config.
type options struct {
	cfg                   bench.Config
	asJSON, bare          bool
	only, cpuProfile, bin string
}

func parse(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("connevents-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&o.cfg.Quick, "quick", false, "short run: shorter phases, 100,000-event Get/List store, fewer idle subscribers")
	fs.BoolVar(&o.asJSON, "json", false, "print the report as JSON")
	fs.IntVar(&o.cfg.Events, "events", 0, "most operations per throughput phase (0: bounded by --duration only)")
	fs.DurationVar(&o.cfg.Duration, "duration", 0, "length of each phase (default 10s, 3s with --quick)")
	fs.IntVar(&o.cfg.Rows, "rows", 0, "events in the Get/List store (default 1000000, 100000 with --quick)")
	fs.IntVar(&o.cfg.Clients, "clients", 64, "concurrent HTTP and unary gRPC clients")
	fs.StringVar(&o.cfg.CacheDir, "cache-dir", "", "keep the Get/List store here between runs")
	fs.StringVar(&o.only, "only", "", "comma-separated phases to run: webhook,peers,grpc,journeys,reads,queries,fanout,fsync,replicas,memory")
	fs.StringVar(&o.cfg.Postgres, "postgres", bench.DefaultPostgres, "PostgreSQL server of the query and replica rows (random schemas, dropped after); empty skips them")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run (server and clients) to this file")
	fs.StringVar(&o.bin, "connevents", "", "the connevents binary the memory rows run (default: connevents beside this binary, else on $PATH)")
	fs.BoolVar(&o.bare, "bare-server", false, "internal: serve the bare gRPC fan-out (the memory rows' ceiling) and wait")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.only != "" {
		o.cfg.Only = strings.Split(o.only, ",")
	}
	return o, nil
}

func run(args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.bare {
		return bench.ServeBare(ctx, "127.0.0.1:0", stderr)
	}
	if o.cpuProfile != "" {
		stopProfile, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	o.cfg.BareBinary = self
	if o.cfg.Binary, err = findConnevents(o.bin, self); err != nil {
		return err
	}
	if o.cfg.Binary == "" {
		fmt.Fprintln(stderr, "connevents-bench: no connevents binary found (build it and pass --connevents): the memory rows will be skipped")
	}
	o.cfg.Progress = stderr
	rep, err := bench.Run(ctx, o.cfg)
	if err != nil {
		return err
	}
	if o.asJSON {
		return rep.WriteJSON(stdout)
	}
	rep.WriteTable(stdout)
	return nil
}

// findConnevents is the connevents executable to run: the one named (which
// must exist), else connevents beside self, else on $PATH, else "".
func findConnevents(named, self string) (string, error) {
	if named != "" {
		return exec.LookPath(named)
	}
	if p, err := exec.LookPath(filepath.Join(filepath.Dir(self), "connevents")); err == nil {
		return p, nil
	}
	p, _ := exec.LookPath("connevents")
	return p, nil
}

func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
