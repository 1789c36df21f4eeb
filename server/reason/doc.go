// Package reason is the one catalog of the reasons the service gives when
// it refuses or fails a request: the machine-readable `reason` of every
// gRPC ErrorInfo, HTTP error body, rejected ingest item and
// rejectionsByReason counter.
//
// It is a leaf: every layer may import it. Lower layers (fasten, oneup,
// ingest, stream, auth, the gateway's own checks) return an *Error carrying
// one of these reasons; only server/api turns errors into gRPC statuses, with
// one code (and one HTTP status) per reason. A message never contains
// payload data, patient identifiers or secrets.
package reason
