// Package oneuptest is a fake 1upHealth FHIR API for tests and demos: an
// HTTP server on a loopback port that answers `GET /r4/AuditEvent` like
// 1upHealth does (client credential headers, searchset Bundles filtered by
// subtype and date, _count/_skip paging with absolute next links) and can
// be told to fail (429 with Retry-After, 503, slow answers, malformed
// pages).
//
// Tests start one with New(t), closed when the test ends. A program (such
// as a demo command) uses Start and Close: the package imports neither
// testing nor net/http/httptest, so it adds neither to a binary.
//
// Events are served in the order they were added, which stands for
// `_sort=_lastUpdated` ascending: an event added later is "written" later,
// even when its `recorded` time is older (a late arrival).
package oneuptest
