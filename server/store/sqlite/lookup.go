package sqlite

import (
	"context"
	"database/sql"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store/internal/eventsql"
)

// lookupKeys finds stored events by key: one probe of the unique index per
// row of the VALUES list.
var lookupKeys = multiRow{
	head: `SELECT e.source, e.source_event_id, e.sequence, e.body FROM (VALUES `,
	row:  `(?, ?)`,
	tail: `) AS k JOIN events e ON e.source_event_id = k.column1 AND e.source = k.column2`,
}

// lookup returns the stored events with the given keys.
func (s *Store) lookup(ctx context.Context, tx *sql.Tx, keys []eventsql.Key) (map[eventsql.Key]*conneventsv1.ConnectionEvent, error) {
	stored := map[eventsql.Key]*conneventsv1.ConnectionEvent{}
	err := s.stmts.split(ctx, tx, lookupKeys, len(keys), func(st *sql.Stmt, from, to int) error {
		args := make([]any, 0, 2*(to-from))
		for _, k := range keys[from:to] {
			args = append(args, k.SourceEventID, k.Source)
		}
		return scanStored(ctx, st, args, stored)
	})
	return stored, err
}

func scanStored(ctx context.Context, st *sql.Stmt, args []any, into map[eventsql.Key]*conneventsv1.ConnectionEvent) error {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k eventsql.Key
		var seq int64
		var body []byte
		if err := rows.Scan(&k.Source, &k.SourceEventID, &seq, &body); err != nil {
			return err
		}
		if into[k], err = eventsql.Decode(seq, body, nil); err != nil {
			return err
		}
	}
	return rows.Err()
}
