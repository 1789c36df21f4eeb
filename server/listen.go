package server

import (
	"crypto/tls"
	"fmt"
	"net"

	"github.com/connevents/connevents/server/telemetry"
)

// loadTLS returns the listeners' TLS configuration, or nil for plaintext.
func loadTLS(cfg Config) (*tls.Config, error) {
	if cfg.TLSCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("loading --tls-cert/--tls-key: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// listen opens the gRPC, HTTP and metrics listeners. The HTTP one terminates TLS itself; the
// gRPC server does its own (grpc.go).
func (s *Server) listen(tlsConf *tls.Config) error {
	var err error
	if s.grpcLis, err = net.Listen("tcp", s.cfg.GRPCAddr); err != nil {
		return fmt.Errorf("gRPC listener: %w", err)
	}
	if s.httpLis, err = net.Listen("tcp", s.cfg.HTTPAddr); err != nil {
		return fmt.Errorf("HTTP listener: %w", err)
	}
	if tlsConf != nil {
		s.httpLis = tls.NewListener(s.httpLis, tlsConf)
	}
	// Metrics stay plaintext and unauthenticated on their own listener,
	// as Prometheus scrapes them.
	s.metricsSrv, err = telemetry.ListenMetrics(s.cfg.MetricsAddr, s.metrics)
	return err
}
