package sqlstore

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/internal/eventsql"
)

// The funnel is counted by three statements over the same groups, each
// reading one covering index: the journeys of the cohort (step counts, by
// SQL aggregates), the discovery rows of the window (distinct patients per
// step, by COUNT(DISTINCT)), and the chain's step times of the cohort, whose
// step-to-step durations are sorted here for exact percentiles. The result
// agrees with journey.ComputeFunnel, which the conformance suite holds it
// to.

const sqlFunnelJourneys = `SELECT %G, %N, COUNT(*),
	COALESCE(SUM(CASE WHEN authorized_at IS NOT NULL OR transfer_started_at IS NOT NULL
		OR completed_at IS NOT NULL OR transfer_failed_at IS NOT NULL THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN transfer_started_at IS NOT NULL OR completed_at IS NOT NULL
		OR transfer_failed_at IS NOT NULL THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN completed_at IS NOT NULL THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN declined_at IS NOT NULL THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN connection_failed_at IS NOT NULL THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN transfer_failed_at IS NOT NULL THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN revoked_at IS NOT NULL THEN 1 ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN status = ? THEN 1 ELSE 0 END), 0)
	FROM journeys WHERE %W %B`

const sqlFunnelPatients = `SELECT %G, %N, type, COUNT(DISTINCT patient)
	FROM funnel_discovery WHERE %W %B, type`

// sqlFunnelTimes reads the chain's step times of the cohort's journeys
// that have at least two (the only ones a conversion can time); their
// percentiles are exact order statistics, picked in Go (SQLite's window
// functions cost several times more).
const sqlFunnelTimes = `SELECT %G, searched_at, selected_at, authorized_at, transfer_started_at, completed_at
	FROM journeys WHERE %W AND (CASE WHEN searched_at IS NULL THEN 0 ELSE 1 END
		+ CASE WHEN selected_at IS NULL THEN 0 ELSE 1 END + CASE WHEN authorized_at IS NULL THEN 0 ELSE 1 END
		+ CASE WHEN transfer_started_at IS NULL THEN 0 ELSE 1 END + CASE WHEN completed_at IS NULL THEN 0 ELSE 1 END) >= 2`

// funnelSQL fills in a funnel statement: %G the group expression, %N the
// group name, %W the window and filters (with their arguments) on column
// timeCol, %B the GROUP BY (with a trailing list for more columns).
type funnelSQL struct {
	q       store.FunnelQuery
	timeCol string
}

func (f funnelSQL) group() (expr, name string) {
	switch f.q.GroupBy {
	case conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_SOURCE:
		return "CAST(source AS text)", "CAST(NULL AS text)"
	case conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_HEALTH_SYSTEM:
		return "hs_group", "MIN(NULLIF(hs_name, ''))"
	case conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_PLATFORM_TYPE:
		return "platform_type", "CAST(NULL AS text)"
	}
	return "CAST('' AS text)", "CAST(NULL AS text)"
}

// where returns the window and filter conditions and their arguments.
func (f funnelSQL) where() (string, []any) {
	conds := []string{f.timeCol + " >= ?", f.timeCol + " < ?"}
	args := []any{eventsql.TimeNanos(f.q.Start), eventsql.TimeNanos(f.q.End)}
	if len(f.q.Sources) > 0 {
		marks := make([]string, len(f.q.Sources))
		for i, src := range f.q.Sources {
			marks[i], args = "?", append(args, int32(src))
		}
		conds = append(conds, "source IN ("+strings.Join(marks, ", ")+")")
	}
	if f.q.APIMode != conneventsv1.ApiMode_API_MODE_UNSPECIFIED {
		conds, args = append(conds, "api_mode = ?"), append(args, int32(f.q.APIMode))
	}
	return strings.Join(conds, " AND "), args
}

// fill returns query with its parts; more are the columns grouped by
// besides the group, for %B.
func (f funnelSQL) fill(query string) (string, []any) {
	g, name := f.group()
	w, args := f.where()
	by := ""
	if f.q.GroupBy != conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_UNSPECIFIED {
		by = "GROUP BY " + g
	}
	if strings.Contains(query, "%B,") { // grouped by more columns
		if by == "" {
			query = strings.Replace(query, "%B,", "GROUP BY", 1)
		} else {
			query = strings.Replace(query, "%B,", by+",", 1)
		}
	}
	r := strings.NewReplacer("%G", g, "%N", name, "%W", w, "%B", by)
	return r.Replace(query), args
}

// funnelGroups accumulates the groups of a funnel.
type funnelGroups struct {
	by     conneventsv1.FunnelGroupBy
	groups map[string]*funnelAcc
}

type funnelAcc struct {
	f   *conneventsv1.Funnel
	any bool // a row counted something
	// durations per chain link, in nanoseconds.
	durations [4][]int64
}

func (g *funnelGroups) get(group string, name *string) *funnelAcc {
	if g.by == conneventsv1.FunnelGroupBy_FUNNEL_GROUP_BY_SOURCE {
		if n, err := strconv.Atoi(group); err == nil {
			group = conneventsv1.Source(n).String()
		}
	}
	a, ok := g.groups[group]
	if !ok {
		a = &funnelAcc{f: &conneventsv1.Funnel{Group: group}}
		g.groups[group] = a
	}
	if name != nil && *name != "" && (a.f.GroupName == "" || *name < a.f.GroupName) {
		a.f.GroupName = *name
	}
	return a
}

// Funnel counts a funnel. See store.Store. Its three statements run at
// once, on their own connections, each into groups of its own.
func (s *Store) Funnel(ctx context.Context, q store.FunnelQuery) ([]*conneventsv1.Funnel, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	parts := []func(context.Context, store.FunnelQuery, *funnelGroups) error{
		s.funnelJourneys, s.funnelPatients, s.funnelDurations,
	}
	groups := make([]*funnelGroups, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, part := range parts {
		groups[i] = &funnelGroups{by: q.GroupBy, groups: map[string]*funnelAcc{}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = part(ctx, q, groups[i])
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, s.wrap("funnel", err)
	}
	for _, g := range groups[1:] {
		groups[0].merge(g)
	}
	return groups[0].finish(), nil
}

// merge adds o's groups, whose figures are other figures than g's.
func (g *funnelGroups) merge(o *funnelGroups) {
	for key, b := range o.groups {
		a, ok := g.groups[key]
		if !ok {
			g.groups[key] = b
			continue
		}
		name := a.f.GetGroupName()
		if n := b.f.GetGroupName(); n != "" && (name == "" || n < name) {
			name = n
		}
		proto.Merge(a.f, b.f) // disjoint figures: each is set by one part only
		a.f.GroupName, a.any = name, a.any || b.any
		for i := range a.durations {
			a.durations[i] = append(a.durations[i], b.durations[i]...)
		}
	}
}

func (s *Store) funnelJourneys(ctx context.Context, q store.FunnelQuery, g *funnelGroups) error {
	query, args := funnelSQL{q: q, timeCol: "first_event_at"}.fill(sqlFunnelJourneys)
	rows, err := s.read.Query(ctx, s.d.sql(query), append([]any{stalled}, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var group string
		var name *string
		var n int64
		f := &conneventsv1.Funnel{}
		if err := rows.Scan(&group, &name, &n, &f.Authorized, &f.TransferStarted, &f.Completed, &f.Declined,
			&f.ConnectionFailed, &f.TransferFailed, &f.Revoked, &f.Stalled); err != nil {
			return err
		}
		if n == 0 {
			continue // the one row of an ungrouped count of nothing
		}
		a := g.get(group, name)
		f.Group, f.GroupName, f.Connections = a.f.Group, a.f.GroupName, n
		a.f, a.any = f, true
	}
	return rows.Err()
}

func (s *Store) funnelPatients(ctx context.Context, q store.FunnelQuery, g *funnelGroups) error {
	query, args := funnelSQL{q: q, timeCol: "occurred_at"}.fill(sqlFunnelPatients)
	rows, err := s.read.Query(ctx, s.d.sql(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var group string
		var name *string
		var typ int32
		var n int64
		if err := rows.Scan(&group, &name, &typ, &n); err != nil {
			return err
		}
		a := g.get(group, name)
		a.any = true
		switch conneventsv1.EventType(typ) {
		case conneventsv1.EventType_EVENT_TYPE_SYSTEM_SEARCHED:
			a.f.PatientsSearched = n
		case conneventsv1.EventType_EVENT_TYPE_SYSTEM_SELECTED:
			a.f.PatientsSelected = n
		case conneventsv1.EventType_EVENT_TYPE_SYSTEM_REQUESTED:
			a.f.PatientsRequested = n
		}
	}
	return rows.Err()
}

func (s *Store) funnelDurations(ctx context.Context, q store.FunnelQuery, g *funnelGroups) error {
	query, args := funnelSQL{q: q, timeCol: "first_event_at"}.fill(sqlFunnelTimes)
	rows, err := s.read.Query(ctx, s.d.sql(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var group string
	var t [5]*int64
	for rows.Next() {
		if err := rows.Scan(&group, &t[0], &t[1], &t[2], &t[3], &t[4]); err != nil {
			return err
		}
		var a *funnelAcc
		for i := range len(t) - 1 {
			if t[i] != nil && t[i+1] != nil && *t[i+1] >= *t[i] {
				if a == nil {
					a = g.get(group, nil)
				}
				a.durations[i] = append(a.durations[i], *t[i+1]-*t[i])
			}
		}
	}
	return rows.Err()
}

// finish computes the conversions and orders the groups.
func (g *funnelGroups) finish() []*conneventsv1.Funnel {
	out := make([]*conneventsv1.Funnel, 0, len(g.groups))
	for _, a := range g.groups {
		if !a.any {
			continue
		}
		f := a.f
		counts := []int64{f.PatientsSearched, f.PatientsSelected, f.Authorized, f.TransferStarted, f.Completed}
		for i := range len(counts) - 1 {
			c := &conneventsv1.FunnelConversion{FromStep: funnelSteps[i], ToStep: funnelSteps[i+1]}
			if counts[i] > 0 {
				c.Rate = float64(counts[i+1]) / float64(counts[i])
			}
			if d := a.durations[i]; len(d) > 0 {
				slices.Sort(d)
				c.Timed, c.P50, c.P90 = int64(len(d)), percentile(d, 50), percentile(d, 90)
			}
			f.Conversions = append(f.Conversions, c)
		}
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b *conneventsv1.Funnel) int {
		return cmp.Or(cmp.Compare(b.GetConnections(), a.GetConnections()), cmp.Compare(a.GetGroup(), b.GetGroup()))
	})
	return out
}

// percentile returns the p-th percentile of sorted d by the nearest-rank
// method, as journey.ComputeFunnel does.
func percentile(d []int64, p int) *durationpb.Duration {
	rank := (p*len(d) + 99) / 100
	return durationpb.New(time.Duration(d[max(rank, 1)-1]))
}

// funnelSteps are the chain searched, selected, authorized, transfer
// started, completed, in the order sqlFunnelTimes reads their times.
var funnelSteps = []conneventsv1.FunnelStep{
	conneventsv1.FunnelStep_FUNNEL_STEP_SEARCHED, conneventsv1.FunnelStep_FUNNEL_STEP_SELECTED,
	conneventsv1.FunnelStep_FUNNEL_STEP_AUTHORIZED, conneventsv1.FunnelStep_FUNNEL_STEP_TRANSFER_STARTED,
	conneventsv1.FunnelStep_FUNNEL_STEP_COMPLETED,
}
