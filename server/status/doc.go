// Package status is the one owner of what operators see about each source:
// its state, events stored, duplicates answered, rejections by reason, last
// success, last error and (1upHealth) poll checkpoint.
//
// Each field has one writer, through a narrow interface: the ingest path
// counts what it stores (ingest.Recorder), the doors count what they refuse
// (server/api, and the 1upHealth poller for the entries it pulls), and the
// poller reports its state, last success or error and checkpoint after each
// poll (oneup.StatusRecorder). server/api only reads it. Counters are in
// memory and start at zero with the process; the poller's checkpoint itself
// lives in the store.
package status
