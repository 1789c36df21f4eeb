package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/fasten"
	"github.com/connevents/connevents/server/oneup/oneuptest"
)

// demoOptions are the flags of `connevents demo`.
type demoOptions struct {
	cfg      server.Config
	duration time.Duration
	exit     bool
}

// demo runs the service beside a fake 1upHealth FHIR API that it polls, and
// plays a script of Fasten deliveries and 1upHealth AuditEvents through it.
func demo(args []string) error {
	o, err := parseDemo(args)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return o.run(ctx, os.Stdout)
}

func parseDemo(args []string) (*demoOptions, error) {
	o := &demoOptions{cfg: server.DefaultConfig()}
	o.cfg.Database, o.cfg.LogLevel = "", "warn"
	fs := newFlagSet("demo", nil)
	fs.StringVar(&o.cfg.GRPCAddr, "grpc-addr", o.cfg.GRPCAddr, "gRPC listen address")
	fs.StringVar(&o.cfg.HTTPAddr, "http-addr", o.cfg.HTTPAddr, "HTTP (REST, console, webhooks) listen address")
	fs.StringVar(&o.cfg.MetricsAddr, "metrics-addr", o.cfg.MetricsAddr, "Prometheus GET /metrics listen address (empty disables it)")
	fs.StringVar(&o.cfg.Database, "database", "", "event store, sqlite:PATH (default: a temporary file, deleted when the demo ends)")
	fs.StringVar(&o.cfg.LogLevel, "log-level", o.cfg.LogLevel, "server log level: debug, info, warn or error (JSON on stderr)")
	fs.DurationVar(&o.duration, "duration", time.Minute, "how long the scripted events take to arrive")
	fs.BoolVar(&o.exit, "exit", false, "stop once every scripted event is stored, instead of serving until interrupted")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if o.duration <= 0 {
		return nil, errors.New("demo: --duration must be positive")
	}
	return o, nil
}

// run starts the fake 1upHealth API and the server (server.New and Serve,
// as `serve` does, with the fake's credentials and a fresh Fasten secret),
// plays the script, prints what was stored, and serves on until ctx ends
// (or stops at once with --exit).
func (o *demoOptions) run(ctx context.Context, out io.Writer) error {
	fake, err := oneuptest.Start("")
	if err != nil {
		return fmt.Errorf("demo: fake 1upHealth API: %w", err)
	}
	defer fake.Close()
	cfg := o.cfg
	if cfg.Database == "" {
		dir, err := os.MkdirTemp("", "connevents-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg.Database = "sqlite:" + filepath.Join(dir, "demo.db")
	}
	secret, err := fasten.NewSecret()
	if err != nil {
		return err
	}
	cfg.FastenWebhookSecrets = []string{secret}
	cfg.OneUp = server.OneUpConfig{ClientID: oneuptest.ClientID, ClientSecret: oneuptest.ClientSecret,
		BaseURL: fake.URL, PollInterval: demoPollInterval(o.duration), Since: "1h"}
	logger, err := server.NewLogger(os.Stderr, cfg.LogLevel)
	if err != nil {
		return err
	}
	srvCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	srv, err := server.New(srvCtx, cfg, logger)
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(srvCtx) }()

	p := newDemoPlayer(out, srv.HTTPAddr(), secret, fake, o.duration)
	printDemoIntro(out, srv, cfg, fake.URL, o.database(), p)
	err = p.play(ctx)
	if err == nil && !o.exit {
		fmt.Fprintf(out, "\nThe demo keeps serving: explore with the commands above. Ctrl-C stops it.\n")
		<-ctx.Done()
	}
	cancel()
	if serveErr := <-served; err == nil {
		err = serveErr
	}
	if ctx.Err() != nil {
		return nil // interrupted: not a failure
	}
	return err
}

// database describes where the events are kept, for the intro.
func (o *demoOptions) database() string {
	if o.cfg.Database == "" {
		return "a temporary SQLite file, deleted when the demo ends (--database sqlite:PATH keeps it)"
	}
	return o.cfg.Database
}

// demoPollInterval polls about twelve times while the script plays, but
// at least every 5 s and at most every second.
func demoPollInterval(d time.Duration) time.Duration {
	return min(max(d/12, time.Second), 5*time.Second)
}

func printDemoIntro(out io.Writer, srv *server.Server, cfg server.Config, fakeURL, database string, p *demoPlayer) {
	web, grpcAddr := "http://"+srv.HTTPAddr(), srv.GRPCAddr()
	fmt.Fprintf(out, `connevents demo: the service, a fake 1upHealth FHIR API that it polls, and
%d scripted events from both sources over %s.

  REST       %s/v1/events
  console    %s/console/
  gRPC       %s
  database   %s
  1upHealth  %s (a fake; polled every %s)

In another terminal, watch the events arrive:
  go run ./cmd/connevents tail --from-start --addr %s
  curl -N '%s/v1/events:subscribe?startPosition=START_POSITION_EARLIEST'

`, p.size(), p.duration, web, web, grpcAddr, database, fakeURL, cfg.OneUp.PollInterval, grpcAddr, web)
}
