// Package gateway is the HTTP face of the service: the grpc-gateway mux
// (REST and streaming JSON for every RPC with an HTTP rule), the
// vendor-native ingest routes (Fasten webhooks, 1upHealth FHIR pushes),
// health and the OpenAPI document. It translates; the rules live behind
// server/api.
//
// Every HTTP error has one JSON body (ErrorBody), derived from the gRPC
// status that server/api gives the error: the gateway's own refusals
// (a missing key, a body over the limit) are *reason.Error values that go
// through the same table.
package gateway
