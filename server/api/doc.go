// Package api implements ConnectionEventService: it translates requests into
// calls on the store, the ingest path and the subscription hub, and their
// results and errors into gRPC answers. It holds no business rules: those
// live in the source packages (fasten, oneup), ingest, store and stream.
//
// It is the one place where errors become gRPC statuses (Status): the lower
// layers return *reason.Error values and store or context errors, and the
// table in errors.go gives each reason its gRPC code and HTTP status. The
// gRPC auth interceptors (UnaryAuth, StreamAuth) answer through it too, and
// the HTTP gateway derives its error body from the status.
package api
