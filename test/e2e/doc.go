// Package e2e holds the end-to-end tests of connevents: each starts the
// real server (test/testserver, through server.New as `connevents serve`
// does) and talks to it over gRPC and HTTP as a client would — the API,
// Fasten webhooks and relays, 1upHealth polling and push, subscriptions
// (also across replicas and from a browser's EventSource) and the
// server's lifecycle.
package e2e
