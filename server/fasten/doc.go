// Package fasten turns Fasten Connect webhook deliveries into
// ConnectionEvents.
//
// It does two things, both pure (no HTTP, gRPC, storage or logging):
//
//   - Verifier checks a delivery's Standard Webhooks signature and timestamp
//     against one or more signing secrets.
//   - Normalize parses the delivery body and maps it to one
//     conneventsv1.ConnectionEvent, following docs/fasten.md.
//
// Refusals are *reason.Error values with a reason of server/reason; their
// messages never contain payload data, patient identifiers or secrets.
// Sample, Sign and SignedHeaders build realistic signed deliveries for tests
// and for the `connevents fasten send` command.
package fasten
