// Package telemetry sets up what an operator watches: a Prometheus registry
// with the service's series (gRPC, HTTP, Go runtime, process and the domain
// series of ingest, subscriptions, pollers, the log, journeys and dead
// letters), the listener that serves it at GET /metrics, and OpenTelemetry
// tracing (OTLP, configured by the standard OTEL_* environment variables,
// off unless an endpoint is set) with a slog handler that stamps trace ids
// on log records.
//
// It holds no business rules: callers say what happened, in enums and
// fixed names, and this package only counts it. Every label value comes
// from a closed set — proto enum names, the reasons of server/reason's
// catalog, route patterns, source, transport and subscription-kind names —
// and anything outside the set is recorded as OTHER, so no caller can put
// free text (or personal data) into a label.
package telemetry
