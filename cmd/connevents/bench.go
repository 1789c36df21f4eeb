package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"

	"github.com/connevents/connevents/bench"
)

// benchCmd runs `connevents bench`: it measures this service and the
// machine's ceilings beside it, and prints a table (or --json).
func benchCmd(args []string) error {
	var cfg bench.Config
	var asJSON, bare bool
	var only, cpuProfile string
	fs := newFlagSet("bench", nil)
	fs.BoolVar(&cfg.Quick, "quick", false, "short run: shorter phases, 100,000-event Get/List store, fewer idle subscribers")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	fs.IntVar(&cfg.Events, "events", 0, "most operations per throughput phase (0: bounded by --duration only)")
	fs.DurationVar(&cfg.Duration, "duration", 0, "length of each phase (default 10s, 3s with --quick)")
	fs.IntVar(&cfg.Rows, "rows", 0, "events in the Get/List store (default 1000000, 100000 with --quick)")
	fs.IntVar(&cfg.Clients, "clients", 64, "concurrent HTTP and unary gRPC clients")
	fs.StringVar(&cfg.CacheDir, "cache-dir", "", "keep the Get/List store here between runs")
	fs.StringVar(&only, "only", "", "comma-separated phases to run: webhook,peers,grpc,reads,fanout,memory")
	fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run (server and clients) to this file")
	fs.BoolVar(&bare, "bare-server", false, "internal: serve the bare gRPC fan-out (the memory ceiling) and wait")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if bare {
		return bench.ServeBare(ctx, "127.0.0.1:0", os.Stderr)
	}
	if only != "" {
		cfg.Only = strings.Split(only, ",")
	}
	if cpuProfile != "" {
		stopProfile, err := startCPUProfile(cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	cfg.Binary, _ = os.Executable()
	cfg.Progress = os.Stderr
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if asJSON {
		return rep.WriteJSON(os.Stdout)
	}
	rep.WriteTable(os.Stdout)
	return nil
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
