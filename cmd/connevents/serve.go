package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"google.golang.org/grpc/grpclog"

	"github.com/connevents/connevents/server"
	"github.com/connevents/connevents/server/telemetry"
)

func serve(args []string) error {
	cfg := server.DefaultConfig()
	fs := newFlagSet("serve", server.EnvName)
	cfg.RegisterFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := server.ApplyEnv(fs, os.LookupEnv); err != nil {
		return err
	}
	logger, err := server.NewLogger(os.Stderr, cfg.LogLevel)
	if err != nil {
		return err
	}
	// What grpc-go and grpc-gateway log goes through the same JSON logger.
	grpclog.SetLoggerV2(telemetry.GRPCLogger(logger))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	shutdownTracing, err := telemetry.SetupTracing(ctx, telemetry.TracingOptions{Version: version})
	if err != nil {
		return err
	}
	defer flushTraces(shutdownTracing, logger)
	return server.Run(ctx, cfg, logger)
}

// flushTraces sends the spans still queued, for at most a few seconds.
func flushTraces(shutdown func(context.Context) error, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := shutdown(ctx); err != nil {
		logger.Warn("flushing traces", "err", err)
	}
}
