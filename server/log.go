package server

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/connevents/connevents/server/telemetry"
)

// NewLogger returns the service's JSON logger at the named level. A record
// logged with a context that holds a span carries its trace_id and span_id.
//
// What the service logs is an allow-list: event ids, types, sources, counts,
// durations, reasons and addresses. Patient identifiers, names, e-mail
// addresses, download links, raw payloads and secrets are never passed to a
// logger; tests assert it.
func NewLogger(w io.Writer, level string) (*slog.Logger, error) {
	l, err := parseLogLevel(level)
	if err != nil {
		return nil, err
	}
	return slog.New(telemetry.LogHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))), nil
}

func parseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}
