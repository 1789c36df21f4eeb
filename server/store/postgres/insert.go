package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/connevents/connevents/server/store/internal/eventsql"
)

const (
	sqlInsert = `INSERT INTO events (sequence, id, source, source_event_id, type, stage, outcome,
		api_mode, occurred_at, received_at, external_id, oneup_user_id, fhir_patient_reference,
		org_connection_id, body)
	SELECT * FROM unnest($1::bigint[], $2::text[], $3::integer[], $4::text[], $5::integer[],
		$6::integer[], $7::integer[], $8::integer[], $9::bigint[], $10::bigint[], $11::text[],
		$12::text[], $13::text[], $14::text[], $15::bytea[])`
	sqlInsertRaw = `INSERT INTO event_raw (sequence, raw) SELECT * FROM unnest($1::bigint[], $2::bytea[])`
	sqlSetHead   = `UPDATE log_head SET head = $1 WHERE id = 1`
)

// columns holds the new events of a batch column by column, for one
// multi-row INSERT ... SELECT FROM unnest.
type columns struct {
	seq                               []int64
	id, sourceEventID                 []string
	source, typ, stage, outcome, mode []int32
	occurred, received                []*int64
	ext, oneup, fhir, org             []*string
	body                              [][]byte
	rawSeq                            []int64
	raw                               [][]byte
}

func (c *columns) add(r *eventsql.Row) {
	seq := r.Sequence
	c.seq = append(c.seq, seq)
	c.id, c.sourceEventID = append(c.id, r.ID), append(c.sourceEventID, r.SourceEventID)
	c.source, c.typ = append(c.source, r.Source), append(c.typ, r.Type)
	c.stage, c.outcome, c.mode = append(c.stage, r.Stage), append(c.outcome, r.Outcome), append(c.mode, r.APIMode)
	c.occurred, c.received = append(c.occurred, r.OccurredAt), append(c.received, r.ReceivedAt)
	c.ext, c.oneup = append(c.ext, r.ExternalID), append(c.oneup, r.OneupUserID)
	c.fhir, c.org = append(c.fhir, r.FHIRPatientRef), append(c.org, r.OrgConnectionID)
	c.body = append(c.body, r.Body)
	if r.Raw != nil {
		c.rawSeq, c.raw = append(c.rawSeq, seq), append(c.raw, r.Raw)
	}
}

// insert writes the rows, their raw payloads and the new head in one round
// trip.
func insert(ctx context.Context, tx pgx.Tx, rows []*eventsql.Row, head int64) error {
	c := &columns{}
	for _, r := range rows {
		c.add(r)
	}
	var q pgx.Batch
	q.Queue(sqlInsert, c.seq, c.id, c.source, c.sourceEventID, c.typ, c.stage, c.outcome, c.mode,
		c.occurred, c.received, c.ext, c.oneup, c.fhir, c.org, c.body)
	if len(c.raw) > 0 {
		q.Queue(sqlInsertRaw, c.rawSeq, c.raw)
	}
	q.Queue(sqlSetHead, head)
	if err := tx.SendBatch(ctx, &q).Close(); err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	return nil
}
