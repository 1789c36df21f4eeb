// Package status is the one owner of what operators see about each source:
// its state, events stored, duplicates answered, rejections and dead
// letters by reason, last success, last error, (1upHealth) poll checkpoint
// and whether it has gone silent (DEGRADED, see Board.ExpectEvery).
//
// Each field has one writer, through a narrow interface: the ingest path
// counts what it stores (ingest.Recorder), the doors count what they refuse
// (server/api, and the 1upHealth poller for the entries it pulls), the
// dead-letter keeper what it keeps, the server's silence watch marks
// silent sources (an arrival clears it), and the
// poller reports its state, last success or error and checkpoint after each
// poll (oneup.StatusRecorder). server/api only reads it. Counters are in
// memory and start at zero with the process; the poller's checkpoint itself
// lives in the store. With metrics (WithMetrics) the board also counts
// rejections and dead letters, and reports degraded sources, in /metrics.
package status
