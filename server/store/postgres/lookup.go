package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store/internal/eventsql"
)

const sqlLookup = `SELECT e.source, e.source_event_id, e.sequence, e.body
	FROM unnest($1::integer[], $2::text[]) AS k (source, source_event_id)
	JOIN events e ON e.source = k.source AND e.source_event_id = k.source_event_id`

// lookup returns the already stored events whose keys appear in the batch,
// in one round trip.
func lookup(ctx context.Context, tx pgx.Tx, keys []eventsql.Key) (map[eventsql.Key]*conneventsv1.ConnectionEvent, error) {
	sources, ids := make([]int32, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		sources[i], ids[i] = k.Source, k.SourceEventID
	}
	rows, err := tx.Query(ctx, sqlLookup, sources, ids)
	if err != nil {
		return nil, fmt.Errorf("look up keys: %w", err)
	}
	defer rows.Close()
	stored := map[eventsql.Key]*conneventsv1.ConnectionEvent{}
	for rows.Next() {
		var k eventsql.Key
		var seq int64
		var body []byte
		if err := rows.Scan(&k.Source, &k.SourceEventID, &seq, &body); err != nil {
			return nil, fmt.Errorf("look up keys: %w", err)
		}
		if stored[k], err = eventsql.Decode(seq, body, nil); err != nil {
			return nil, err
		}
	}
	return stored, rows.Err()
}
