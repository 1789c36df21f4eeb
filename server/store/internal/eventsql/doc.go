// Package eventsql holds the database-free half of sqlstore: the checks on
// an appended batch, the row form of an event (proto bytes plus the indexed
// columns every filter needs) and the WHERE clause of a store.Query.
//
// Nothing here talks to a database. Placeholders are ?; the caller's dialect
// numbers them where it must (sqlstore).
package eventsql
