package journey

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
)

// point is an event's place in a journey's order: time, then the vendor's
// event id, then sequence. Events at the same time (Fasten dates its
// deliveries to the second) are ordered by what the vendor sent, not by
// when it arrived, so that any order of arrival gives the same state;
// within a source (a journey has one) distinct events never share an id,
// and the sequence orders only copies of one event.
type point struct {
	Sec  int64  `json:"t"`
	Nano int32  `json:"n,omitempty"`
	Seq  int64  `json:"s,omitempty"`
	Key  string `json:"k,omitempty"`
}

// pointOf returns ev's point: occurred_at, or received_at for an event
// without one.
func pointOf(ev *conneventsv1.ConnectionEvent) point {
	ts := ev.GetOccurredAt()
	if ts == nil {
		ts = ev.GetReceivedAt()
	}
	p := point{Seq: ev.GetSequence(), Key: ev.GetSourceEventId()}
	if ts != nil {
		p.Sec, p.Nano = ts.GetSeconds(), ts.GetNanos()
		if p.time().IsZero() {
			p.Nano = 1 // the zero time means "none" here; an event at 0001-01-01T00:00:00Z has one
		}
	} else {
		var zero time.Time
		p.Sec = zero.Unix()
	}
	return p
}

// time returns p's time.
func (p point) time() time.Time { return time.Unix(p.Sec, int64(p.Nano)).UTC() }

// before reports whether p comes strictly before q.
func (p point) before(q point) bool {
	if p.Sec != q.Sec {
		return p.Sec < q.Sec
	}
	if p.Nano != q.Nano {
		return p.Nano < q.Nano
	}
	if p.Key != q.Key {
		return p.Key < q.Key
	}
	return p.Seq < q.Seq
}

// latest holds the value of the latest event (by point) that had one.
type latest[T any] struct {
	At  *point `json:"at,omitempty"` // nil: no value yet
	Val T      `json:"v"`
}

// offer keeps v if at is later than the value held.
func (l *latest[T]) offer(at point, v T) {
	if l.At == nil || l.At.before(at) {
		l.At, l.Val = &at, v
	}
}

// step is what the state keeps of the latest step event.
type step struct {
	Type   conneventsv1.EventType     `json:"type"`
	Kind   Kind                       `json:"kind"`
	Reason conneventsv1.FailureReason `json:"reason,omitempty"`
}

// State is the folded state of one journey. The zero State is a journey
// without events. Build it with Fold or Apply; read it with Journey.
type State struct {
	s state
}

// state is State's content; its JSON form is what the store keeps (see
// Marshal). Every field is a join: the order events are applied in does
// not matter.
type state struct {
	Source     conneventsv1.Source           `json:"source"`
	Count      int64                         `json:"count"`
	First      *point                        `json:"first,omitempty"`
	Last       *point                        `json:"last,omitempty"`
	MaxSeq     int64                         `json:"maxSeq,omitempty"`
	StageRank  int                           `json:"stage,omitempty"`
	Step       latest[step]                  `json:"step"`
	Progress   latest[Phase]                 `json:"progress"`
	Times      [numKinds]*point              `json:"times"` // time only`
	Resources  int64                         `json:"resources,omitempty"`
	Failures   int64                         `json:"retrievalFailures,omitempty"`
	Export     latest[[]byte]                `json:"export"` // proto-encoded Export
	APIMode    latest[int32]                 `json:"apiMode"`
	Identities [numIdentities]latest[string] `json:"ids"`
	ConsentExp latest[time.Time]             `json:"consentExpires"`
}

// Apply adds one event to the journey. Each distinct event must be applied
// once (the store applies only newly stored events); the order does not
// matter. Fold is the way to fold a collection that may hold duplicates.
func (st *State) Apply(ev *conneventsv1.ConnectionEvent) {
	s := &st.s
	at := pointOf(ev)
	s.Source = ev.GetSource()
	s.Count++
	if s.First == nil || at.before(*s.First) {
		s.First = &at
	}
	if s.Last == nil || s.Last.before(at) {
		s.Last = &at
	}
	s.MaxSeq = max(s.MaxSeq, ev.GetSequence())
	s.StageRank = max(s.StageRank, stageRank(ev.GetStage()))

	k := KindOf(ev)
	if k != NoStep {
		s.Step.offer(at, step{Type: ev.GetType(), Kind: k, Reason: ev.GetFailure().GetReason()})
		if t := s.Times[k]; t == nil || t.Sec < at.Sec || (t.Sec == at.Sec && t.Nano < at.Nano) {
			s.Times[k] = &point{Sec: at.Sec, Nano: at.Nano}
		}
	}
	if ph, ok := phaseOf(ev, k); ok {
		s.Progress.offer(at, ph)
	}
	switch ev.GetType() {
	case conneventsv1.EventType_EVENT_TYPE_RESOURCE_INGESTED:
		s.Resources++
	case conneventsv1.EventType_EVENT_TYPE_RESOURCE_RETRIEVAL_FAILED:
		s.Failures++
	}
	if x := ev.GetExport(); x != nil && k == Completed {
		b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(x)
		s.Export.offer(at, b)
	}
	if m := ev.GetApiMode(); m != conneventsv1.ApiMode_API_MODE_UNSPECIFIED {
		s.APIMode.offer(at, int32(m))
	}
	if t := ev.GetConnection().GetConsentExpiresAt(); t != nil {
		s.ConsentExp.offer(at, t.AsTime())
	}
	for i, v := range identities(ev) {
		if v != "" {
			s.Identities[i].offer(at, v)
		}
	}
}

// Fold returns the state of the journey made of events: the same for any
// order of events, counting an event delivered more than once (the same
// source and source_event_id) once. Of such copies the one with the lowest
// sequence counts. events must all belong to one journey (KeyOf).
func Fold(events []*conneventsv1.ConnectionEvent) State {
	type id struct {
		src conneventsv1.Source
		key string
	}
	chosen := make(map[id]*conneventsv1.ConnectionEvent, len(events))
	for _, ev := range events {
		k := id{ev.GetSource(), ev.GetSourceEventId()}
		if cur, ok := chosen[k]; !ok || preferCopy(ev, cur) {
			chosen[k] = ev
		}
	}
	var st State
	for _, ev := range chosen {
		st.Apply(ev)
	}
	return st
}

// preferCopy reports whether a is the copy of a duplicated event to keep
// over b: the lower sequence, then the earlier point.
func preferCopy(a, b *conneventsv1.ConnectionEvent) bool {
	if a.GetSequence() != b.GetSequence() {
		return a.GetSequence() < b.GetSequence()
	}
	return pointOf(a).before(pointOf(b))
}

// Empty reports whether the journey has no events.
func (st *State) Empty() bool { return st.s.Count == 0 }

// Sequence returns the highest sequence among the journey's events.
func (st *State) Sequence() int64 { return st.s.MaxSeq }

// Status returns the journey's status at now.
func (st *State) Status(now time.Time, th Thresholds) conneventsv1.ConnectionStatus {
	status := st.baseStatus()
	if at, ok := st.StallAt(th); ok && !now.Before(at) {
		return conneventsv1.ConnectionStatus_CONNECTION_STATUS_STALLED
	}
	return status
}

// baseStatus is the status from the latest step, before the stall check.
func (st *State) baseStatus() conneventsv1.ConnectionStatus {
	if st.s.Step.At == nil {
		return conneventsv1.ConnectionStatus_CONNECTION_STATUS_IN_PROGRESS
	}
	return st.s.Step.Val.Kind.status()
}

// StallAt returns when the journey stalls if nothing more happens: its last
// progress plus its phase's threshold. False when it cannot stall: it is
// not in progress, has made no progress, or its phase's threshold is 0.
// The store indexes this time to mark journeys STALLED when it passes.
func (st *State) StallAt(th Thresholds) (time.Time, bool) {
	p := st.s.Progress
	if st.baseStatus() != conneventsv1.ConnectionStatus_CONNECTION_STATUS_IN_PROGRESS || p.At == nil {
		return time.Time{}, false
	}
	d := th.of(p.Val)
	if d <= 0 {
		return time.Time{}, false
	}
	at := p.At.time().Add(d)
	if at.After(lastTime) { // progress dated near year 9999: it never stalls
		return time.Time{}, false
	}
	return at, true
}

// lastTime is the latest time a google.protobuf.Timestamp can hold: a stall
// time past it could be neither stored nor sent.
var lastTime = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)

// Times returns when each step was last reached.
func (st *State) Times() Times {
	var t Times
	for k, p := range st.s.Times {
		if p != nil {
			t[k] = p.time()
		}
	}
	return t
}

// Journey returns the journey's public state at now, with id as its id.
// UpdateTime is left for the store to set.
func (st *State) Journey(id string, now time.Time, th Thresholds) *conneventsv1.ConnectionJourney {
	s := &st.s
	j := &conneventsv1.ConnectionJourney{
		Id:                        id,
		Source:                    s.Source,
		Status:                    st.Status(now, th),
		Stage:                     stageOfRank(s.StageRank),
		EventCount:                s.Count,
		ResourcesIngested:         s.Resources,
		ResourceRetrievalFailures: s.Failures,
		ApiMode:                   conneventsv1.ApiMode(s.APIMode.Val),
		Sequence:                  s.MaxSeq,
		StepTimes:                 stepTimes(st.Times()),
	}
	if s.First != nil {
		j.FirstEventAt = stamp(s.First.time())
		j.LastEventAt = stamp(s.Last.time())
	}
	if s.Step.At != nil {
		j.CurrentStep = s.Step.Val.Type
		j.CurrentStepAt = stamp(s.Step.At.time())
		if j.Status == conneventsv1.ConnectionStatus_CONNECTION_STATUS_FAILED {
			j.FailureReason = s.Step.Val.Reason
		}
	}
	if s.Progress.At != nil {
		j.LastProgressAt = stamp(s.Progress.At.time())
	}
	if at, ok := st.StallAt(th); ok {
		j.StallAt = stamp(at)
	}
	if s.Export.At != nil {
		x := new(conneventsv1.Export)
		if proto.Unmarshal(s.Export.Val, x) == nil {
			j.LatestExport = x
		}
	}
	j.Patient, j.HealthSystem, j.Connection = st.identityMessages()
	return j
}

// Times holds when each step (indexed by Kind) was last reached; the zero
// time for a step never reached.
type Times [numKinds]time.Time

// TimesOf reads the step times of a journey message.
func TimesOf(p *conneventsv1.StepTimes) Times {
	var t Times
	set := func(k Kind, ts *timestamppb.Timestamp) {
		if ts != nil {
			t[k] = ts.AsTime()
		}
	}
	set(Searched, p.GetSearchedAt())
	set(Selected, p.GetSelectedAt())
	set(Requested, p.GetRequestedAt())
	set(Authorized, p.GetAuthorizedAt())
	set(Declined, p.GetDeclinedAt())
	set(ConnectionFailed, p.GetConnectionFailedAt())
	set(TransferStarted, p.GetTransferStartedAt())
	set(Completed, p.GetCompletedAt())
	set(TransferFailed, p.GetTransferFailedAt())
	set(Revoked, p.GetRevokedAt())
	return t
}

// stageOfRank inverts stageRank; STAGE_OTHER when no stage was reached.
func stageOfRank(r int) conneventsv1.Stage {
	switch r {
	case 1:
		return conneventsv1.Stage_STAGE_DISCOVERY
	case 2:
		return conneventsv1.Stage_STAGE_AUTHORIZATION
	case 3:
		return conneventsv1.Stage_STAGE_TRANSFER
	case 4:
		return conneventsv1.Stage_STAGE_COMPLETION
	}
	return conneventsv1.Stage_STAGE_OTHER
}

// stamp converts a time; the zero time is unset.
func stamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// stepTimes converts the step times.
func stepTimes(t Times) *conneventsv1.StepTimes {
	return &conneventsv1.StepTimes{
		SearchedAt:         stamp(t[Searched]),
		SelectedAt:         stamp(t[Selected]),
		RequestedAt:        stamp(t[Requested]),
		AuthorizedAt:       stamp(t[Authorized]),
		DeclinedAt:         stamp(t[Declined]),
		ConnectionFailedAt: stamp(t[ConnectionFailed]),
		TransferStartedAt:  stamp(t[TransferStarted]),
		CompletedAt:        stamp(t[Completed]),
		TransferFailedAt:   stamp(t[TransferFailed]),
		RevokedAt:          stamp(t[Revoked]),
	}
}
