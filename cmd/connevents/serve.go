package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/connevents/connevents/server"
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return server.Run(ctx, cfg, logger)
}
