package telemetry

import (
	"net/http"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every series of the service's own.
const namespace = "connevents"

// Metrics is the service's Prometheus registry and every series in it. A
// nil *Metrics records nothing, so parts built without one (in tests) need
// no checks.
type Metrics struct {
	reg  *prometheus.Registry
	grpc *grpcprom.ServerMetrics
	http httpSeries
	domain
}

// NewMetrics returns a registry holding the Go runtime and process
// collectors, the standard grpc_server_* series (with handling-time
// histograms), the HTTP series and the domain series.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg:    prometheus.NewRegistry(),
		grpc:   newGRPCMetrics(),
		http:   newHTTPSeries(),
		domain: newDomain(),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.grpc,
	)
	m.http.register(m.reg)
	m.domain.register(m.reg)
	m.domain.initialize()
	return m
}

// Gatherer is the registry, for tests and for other exposition.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// Handler serves the registry in the Prometheus text format (OpenMetrics,
// with exemplars, when the scraper asks for it), and counts its own
// scrapes.
func (m *Metrics) Handler() http.Handler {
	return promhttp.InstrumentMetricHandler(m.reg, promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		EnableOpenMetrics: true,
		Registry:          m.reg,
	}))
}
