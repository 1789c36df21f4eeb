package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// DefaultMetricsAddr is the default of --metrics-addr: loopback only, on
// the port registered for Prometheus exporters of OpenTelemetry.
const DefaultMetricsAddr = "127.0.0.1:9464"

// MetricsServer serves GET /metrics on its own listener, apart from the
// API, so that it can be bound to another interface or port and scraped
// without credentials. A nil *MetricsServer (metrics disabled) does nothing.
type MetricsServer struct {
	lis net.Listener
	srv *http.Server
}

// ListenMetrics opens the metrics listener on addr; an empty addr disables
// it and returns nil, nil.
func ListenMetrics(addr string, m *Metrics) (*MetricsServer, error) {
	if addr == "" {
		return nil, nil
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listener: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	return &MetricsServer{lis: lis, srv: &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
	}}, nil
}

// Addr is the address the listener is bound to ("" when disabled).
func (s *MetricsServer) Addr() string {
	if s == nil {
		return ""
	}
	return s.lis.Addr().String()
}

// Serve serves until Shutdown; it returns nil after Shutdown.
func (s *MetricsServer) Serve() error {
	if s == nil {
		return nil
	}
	if err := s.srv.Serve(s.lis); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Shutdown stops serving, waiting for scrapes in flight until ctx ends.
// It also closes the listener if Serve was never called.
func (s *MetricsServer) Shutdown(ctx context.Context) error {
	if s == nil {
		return nil
	}
	err := s.srv.Shutdown(ctx)
	s.lis.Close()
	return err
}
