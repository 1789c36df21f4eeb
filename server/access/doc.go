// Package access is the access log's writer: every read of personal data
// is recorded (server/api decides which calls and what each record holds)
// through a Log, which commits the records of concurrent reads together in
// one transaction (group commit) and tells each reader when its record is
// durable. A read whose record cannot be stored is refused: Record returns
// an ACCESS_LOG_UNAVAILABLE error, never a silent success.
package access
