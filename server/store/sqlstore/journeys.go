package sqlstore

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/journey"
	"github.com/connevents/connevents/server/store/internal/eventsql"
)

// stepKinds are the steps with a time column, in column order.
var stepKinds = []journey.Kind{
	journey.Searched, journey.Selected, journey.Requested, journey.Authorized, journey.Declined,
	journey.ConnectionFailed, journey.TransferStarted, journey.Completed, journey.TransferFailed, journey.Revoked,
}

// journeyCols are the columns of the journeys table, in journeyRow order.
var journeyCols = []string{
	"id", "fold_version", "state", "source", "status", "stage", "api_mode", "first_event_at",
	"last_event_at", "stall_at", "sequence", "update_time", "hs_group", "hs_name", "platform_type",
	"searched_at", "selected_at", "requested_at", "authorized_at", "declined_at",
	"connection_failed_at", "transfer_started_at", "completed_at", "transfer_failed_at", "revoked_at", "terms",
}

// journeyRow is a row of the journeys table.
type journeyRow struct {
	id                            string
	version                       int32
	state                         string // journey.State.Marshal, binary
	source, status, stage, mode   int32
	first, last                   int64
	stallAt                       *int64
	seq, updated                  int64
	hsGroup, hsName, platformType string
	times                         [10]*int64 // stepKinds
	terms                         string     // eventsql.JourneyTerms, joined by termSep
}

// termSep separates the terms of the terms column.
const termSep = "\x1f"

// dest returns the scan destinations of r, in journeyCols order.
func (r *journeyRow) dest() []any {
	d := []any{&r.id, &r.version, binary{&r.state}, &r.source, &r.status, &r.stage, &r.mode, &r.first,
		&r.last, &r.stallAt, &r.seq, &r.updated, &r.hsGroup, &r.hsName, &r.platformType}
	for i := range r.times {
		d = append(d, &r.times[i])
	}
	return append(d, &r.terms)
}

// binary scans a binary column (a BLOB, a bytea) into a string.
type binary struct{ s *string }

func (b binary) Scan(v any) error {
	switch x := v.(type) {
	case []byte:
		*b.s = string(x)
	case string:
		*b.s = x
	default:
		return fmt.Errorf("sqlstore: a binary column holds %T", v)
	}
	return nil
}

// sameAs reports whether r and o hold the same journey, whenever updated.
func (r *journeyRow) sameAs(o *journeyRow) bool {
	a, b := *r, *o
	a.updated, b.updated = 0, 0
	eq := func(x, y *int64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	if !eq(a.stallAt, b.stallAt) || !slices.EqualFunc(a.times[:], b.times[:], eq) {
		return false
	}
	a.stallAt, b.stallAt, a.times, b.times = nil, nil, [10]*int64{}, [10]*int64{}
	return a == b
}

// message returns the journey's public state: the fold's, with the stored
// status and update time.
func (r *journeyRow) message(th journey.Thresholds) (*conneventsv1.ConnectionJourney, error) {
	st, err := journey.Unmarshal([]byte(r.state))
	if err != nil {
		return nil, fmt.Errorf("journey %s: %w", r.id, err)
	}
	j := st.Journey(r.id, time.Unix(0, r.updated), th)
	j.Status = conneventsv1.ConnectionStatus(r.status)
	j.UpdateTime = stampNanos(r.updated)
	return j, nil
}

// rowOf returns the row of a journey's state at now.
func (s *Store) rowOf(id string, st *journey.State, now time.Time) (*journeyRow, error) {
	state, err := st.Marshal()
	if err != nil {
		return nil, err
	}
	j := st.Journey(id, now, s.opts.Thresholds)
	group, name := journey.GroupOf(conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_HEALTH_SYSTEM, j.GetSource(), j.GetHealthSystem(), "")
	r := &journeyRow{
		id: id, version: int32(journey.Version()), state: string(state),
		source: int32(j.GetSource()), status: int32(j.GetStatus()), stage: int32(j.GetStage()),
		mode: int32(j.GetApiMode()), first: nanosOrMin(j.GetFirstEventAt()),
		last: nanosOrMin(j.GetLastEventAt()), stallAt: eventsql.TimestampNanos(j.GetStallAt()),
		seq: j.GetSequence(), updated: eventsql.TimeNanos(now),
		hsGroup: group, hsName: name, platformType: j.GetConnection().GetPlatformType(),
		terms: strings.Join(eventsql.JourneyTerms(j), termSep),
	}
	times := st.Times()
	for i, k := range stepKinds {
		if t := times[k]; !t.IsZero() {
			n := eventsql.TimeNanos(t)
			r.times[i] = &n
		}
	}
	return r, nil
}

// loaded is a stored journey as a write transaction reads it.
type loaded struct {
	row   journeyRow
	state journey.State
	// err is why the stored state cannot be read (another fold version):
	// the journey must be folded again from its events.
	err error
}

// The journey statements of write transactions.
var (
	loadJourneys = withRows("k", []string{"id"},
		"SELECT "+prefixed("j.", journeyCols)+" FROM k JOIN journeys j ON j.id = k.id")
	// loadVersions reads what tells whether a cached journey is current.
	loadVersions = withRows("k", []string{"id"},
		"SELECT j.id, j.sequence, j.update_time FROM k JOIN journeys j ON j.id = k.id")
	upsertJourneys = upsertInto("journeys", "id", journeyCols...)
	deleteJourneys = withRows("k", []string{"id"}, "DELETE FROM journeys WHERE id IN (SELECT id FROM k)")
	deleteTerms    = withRows("k", []string{"term", "journey_id"},
		"DELETE FROM journey_terms WHERE (term, journey_id) IN (SELECT term, journey_id FROM k)")
	// insertTerms skips terms already there (left by a row lost behind the
	// store's back).
	insertTerms   = insertInto("journey_terms", "term", "journey_id").then(" ON CONFLICT (term, journey_id) DO NOTHING")
	insertChanges = insertInto("journey_changes", "change_seq", "journey_id", "event_sequence", "at")
	// insertDiscovery skips rows already there (a backfill after appends).
	insertDiscovery = insertInto("funnel_discovery", "sequence", "occurred_at", "source", "api_mode", "type",
		"patient", "hs_group", "hs_name", "platform_type").then(" ON CONFLICT (sequence) DO NOTHING")

	journeyBatchStmts = []batchStmt{loadJourneys, loadVersions, upsertJourneys, deleteTerms, insertTerms, insertChanges, insertDiscovery}
)

func prefixed(p string, cols []string) string {
	out := ""
	for i, c := range cols {
		if i > 0 {
			out += ", "
		}
		out += p + c
	}
	return out
}

// loadStored reads the stored journeys among ids, keyed by id, as they
// are stored.
func (s *Store) loadStored(ctx context.Context, q Querier, ids []string) (map[string]*loaded, error) {
	out := make(map[string]*loaded, len(ids))
	return out, s.loadRows(ctx, q, ids, out)
}

// loadCurrent reads the stored journeys among ids, keyed by id, as an
// append folds into them: from the state cache where the stored row has the
// sequence and update time of the cached one, else from the store.
func (s *Store) loadCurrent(ctx context.Context, q Querier, ids []string) (map[string]*loaded, error) {
	out := make(map[string]*loaded, len(ids))
	var missed []string
	for _, st := range s.d.stmts(loadVersions, len(ids), ids) {
		var err error
		if missed, err = s.scanCached(ctx, q, st, out, missed); err != nil {
			return nil, err
		}
	}
	return out, s.loadRows(ctx, q, missed, out)
}

// loadRows reads the stored journeys among ids into into.
func (s *Store) loadRows(ctx context.Context, q Querier, ids []string, into map[string]*loaded) error {
	for _, st := range s.d.stmts(loadJourneys, len(ids), ids) {
		if err := s.scanStoredJourneys(ctx, q, st, into); err != nil {
			return err
		}
	}
	return nil
}

// scanCached reads stored journey versions, takes the current ones from the
// cache into into, and appends the ids of the others to missed.
func (s *Store) scanCached(ctx context.Context, q Querier, st Stmt, into map[string]*loaded, missed []string) ([]string, error) {
	rows, err := q.Query(ctx, st.SQL, st.Args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var seq, updated int64
		if err := rows.Scan(&id, &seq, &updated); err != nil {
			return nil, err
		}
		if l, ok := s.states.get(id, seq, updated); ok {
			into[id] = l
		} else {
			missed = append(missed, id)
		}
	}
	return missed, rows.Err()
}

func (s *Store) scanStoredJourneys(ctx context.Context, q Querier, st Stmt, into map[string]*loaded) error {
	rows, err := q.Query(ctx, st.SQL, st.Args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		l := &loaded{}
		if err := rows.Scan(l.row.dest()...); err != nil {
			return err
		}
		l.state, l.err = journey.Unmarshal([]byte(l.row.state))
		into[l.row.id] = l
	}
	return rows.Err()
}

// loadEvents reads the stored events of journeys ids, grouped by journey.
//
// The ids go in an IN list, not a joined relation, so that PostgreSQL
// probes the connection_id index whatever its statistics say (joined to an
// unnest, it may scan the whole log for each batch).
func (s *Store) loadEvents(ctx context.Context, q Querier, ids []string) (map[string][]*conneventsv1.ConnectionEvent, error) {
	out := make(map[string][]*conneventsv1.ConnectionEvent, len(ids))
	for from := 0; from < len(ids); from += loadEventsChunk {
		chunk := ids[from:min(from+loadEventsChunk, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		query := s.d.sql(`SELECT e.sequence, e.connection_id, e.body FROM events e WHERE e.connection_id IN (` +
			strings.Repeat("?, ", len(chunk)-1) + "?)")
		rows, err := q.Query(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var seq int64
			var conn *string
			var body []byte
			if err = rows.Scan(&seq, &conn, &body); err != nil {
				break
			}
			var ev *conneventsv1.ConnectionEvent
			if ev, err = eventsql.Decode(seq, conn, body, nil); err != nil {
				break
			}
			out[*conn] = append(out[*conn], ev)
		}
		if err == nil {
			err = rows.Err()
		}
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// loadEventsChunk is how many journeys one statement of loadEvents reads.
const loadEventsChunk = 200

// journeyWrites collects the journey writes of one transaction.
type journeyWrites struct {
	s        *Store
	now      time.Time
	upserts  []*journeyRow
	deletes  []string
	fresh    []freshState
	oldTerms [][2]string // (term, journey id) to delete
	terms    [][2]string // to insert
	changes  []change
}

type change struct {
	journeyID string
	eventSeq  int64
}

func (s *Store) newWrites() *journeyWrites { return &journeyWrites{s: s, now: s.opts.Now()} }

// put stores st as journey id's state, recording a change caused by event
// eventSeq (0 for none) when it differs from old (nil: not stored).
func (w *journeyWrites) put(id string, st *journey.State, old *loaded, eventSeq int64) error {
	if st.Empty() {
		if old != nil {
			w.deletes = append(w.deletes, id)
			w.oldTerms = appendTerms(w.oldTerms, old.row.terms, id)
		}
		return nil
	}
	r, err := w.s.rowOf(id, st, w.now)
	if err != nil {
		return err
	}
	if old != nil && old.row.sameAs(r) {
		return nil
	}
	w.upserts = append(w.upserts, r)
	w.fresh = append(w.fresh, freshState{row: r, state: *st})
	w.changes = append(w.changes, change{id, eventSeq})
	switch {
	case old == nil:
		w.terms = appendTerms(w.terms, r.terms, id)
	case old.row.terms != r.terms:
		w.oldTerms = appendTerms(w.oldTerms, old.row.terms, id)
		w.terms = appendTerms(w.terms, r.terms, id)
	}
	return nil
}

// appendTerms appends the (term, id) pairs of a terms column.
func appendTerms(pairs [][2]string, terms, id string) [][2]string {
	if terms == "" {
		return pairs
	}
	for _, t := range strings.Split(terms, termSep) {
		pairs = append(pairs, [2]string{t, id})
	}
	return pairs
}

// changed returns how many journeys the writes change.
func (w *journeyWrites) changed() int64 { return int64(len(w.upserts) + len(w.deletes)) }

// stmts returns the statements of the writes; the changes take the
// sequences after changeHead.
func (w *journeyWrites) stmts(changeHead int64) []Stmt {
	d := w.s.d
	var out []Stmt
	if n := len(w.oldTerms); n > 0 {
		out = append(out, d.stmts(deleteTerms, n, pairColumns(w.oldTerms)...)...)
	}
	out = append(out, d.stmts(deleteJourneys, len(w.deletes), w.deletes)...)
	if n := len(w.upserts); n > 0 {
		out = append(out, d.stmts(upsertJourneys, n, journeyColumns(w.upserts)...)...)
	}
	if n := len(w.terms); n > 0 {
		out = append(out, d.stmts(insertTerms, n, pairColumns(w.terms)...)...)
	}
	if n := len(w.changes); n > 0 {
		seq, id, ev, at := make([]int64, n), make([]string, n), make([]int64, n), make([]int64, n)
		for i, c := range w.changes {
			seq[i], id[i], ev[i], at[i] = changeHead+int64(i)+1, c.journeyID, c.eventSeq, eventsql.TimeNanos(w.now)
		}
		out = append(out, d.stmts(insertChanges, n, seq, id, ev, at)...)
	}
	return out
}

// pairColumns returns (term, id) pairs as two columns.
func pairColumns(pairs [][2]string) []any {
	term, id := make([]string, len(pairs)), make([]string, len(pairs))
	for i, p := range pairs {
		term[i], id[i] = p[0], p[1]
	}
	return []any{term, id}
}

// journeyColumns returns rows column by column, in journeyCols order.
func journeyColumns(rows []*journeyRow) []any {
	n := len(rows)
	id, hsGroup, hsName, platform := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	state := make([][]byte, n)
	version, source, status, stage, mode := make([]int32, n), make([]int32, n), make([]int32, n), make([]int32, n), make([]int32, n)
	first, last, seq, updated := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	stallAt, terms := make([]*int64, n), make([]string, n)
	var times [10][]*int64
	for k := range times {
		times[k] = make([]*int64, n)
	}
	for i, r := range rows {
		id[i], version[i], state[i], source[i], status[i], stage[i], mode[i] = r.id, r.version, []byte(r.state), r.source, r.status, r.stage, r.mode
		first[i], last[i], stallAt[i], seq[i], updated[i] = r.first, r.last, r.stallAt, r.seq, r.updated
		hsGroup[i], hsName[i], platform[i], terms[i] = r.hsGroup, r.hsName, r.platformType, r.terms
		for k := range times {
			times[k][i] = r.times[k]
		}
	}
	cols := []any{id, version, state, source, status, stage, mode, first, last, stallAt, seq, updated, hsGroup, hsName, platform}
	for k := range times {
		cols = append(cols, times[k])
	}
	return append(cols, terms)
}

// discoveryStmts returns the statements that record the funnel rows of
// the discovery events among events.
func (s *Store) discoveryStmts(events []*conneventsv1.ConnectionEvent) []Stmt {
	var seq, at []int64
	var source, mode, typ []int32
	var patient, hsGroup, hsName, platform []string
	for _, ev := range events {
		d, ok := journey.FunnelDiscoveryOf(conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_HEALTH_SYSTEM, ev)
		if !ok {
			continue
		}
		t := ev.GetOccurredAt()
		if t == nil {
			t = ev.GetReceivedAt()
		}
		seq, at = append(seq, ev.GetSequence()), append(at, nanosOrMin(t))
		source, mode, typ = append(source, int32(ev.GetSource())), append(mode, int32(ev.GetApiMode())), append(typ, int32(ev.GetType()))
		// The key's NUL separator becomes ":" (PostgreSQL text holds no NUL;
		// the source name before it has no ":", so keys stay distinct).
		patient = append(patient, strings.Replace(d.Patient, "\x00", ":", 1))
		hsGroup, hsName = append(hsGroup, d.Group), append(hsName, d.GroupName)
		platform = append(platform, ev.GetConnection().GetPlatformType())
	}
	return s.d.stmts(insertDiscovery, len(seq), seq, at, source, mode, typ, patient, hsGroup, hsName, platform)
}

// stampNanos converts unix nanoseconds.
func stampNanos(n int64) *timestamppb.Timestamp { return timestamppb.New(time.Unix(0, n)) }

// nanosOrMin is ts in unix nanoseconds, or the lowest time for none.
func nanosOrMin(ts *timestamppb.Timestamp) int64 {
	if n := eventsql.TimestampNanos(ts); n != nil {
		return *n
	}
	return math.MinInt64
}
