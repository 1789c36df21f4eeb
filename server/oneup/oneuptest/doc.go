// Package oneuptest is a fake 1upHealth FHIR API for tests and demos: an
// HTTP server on a loopback port that answers `GET /r4/AuditEvent` like
// 1upHealth does (client credential headers, searchset Bundles filtered by
// subtype, `date` (on `recorded`) and `_lastUpdated` (on
// `meta.lastUpdated`), _count/_skip paging with absolute next links, _skip
// capped at 10,000) and can be told to fail (429 with Retry-After, 503,
// slow answers, malformed pages).
//
// Tests start one with New(t), closed when the test ends. A program (such
// as a demo command) uses Start and Close: the package imports neither
// testing nor net/http/httptest, so it adds neither to a binary.
//
// Results are always sorted by `meta.lastUpdated` ascending, as
// `_sort=_lastUpdated` asks; events with the same lastUpdated keep the
// order they were published in. `meta.lastUpdated` is the time 1upHealth
// wrote the resource, which may be long after the time it records: Hold
// keeps events back and Publish makes them visible later, with a new
// lastUpdated and their old `recorded` (a late write).
package oneuptest
