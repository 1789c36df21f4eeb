package journey

import (
	"encoding/json"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	journeyv1 "github.com/connevents/connevents/gen/connevents/journey/v1"
)

// stateVersion is the version of the fold and of its stored form. Change it
// when the fold changes meaning; a store holding older states can then
// rebuild its journeys from the log.
const stateVersion = 1

// Version returns the version of the fold, for the store to record beside
// its journeys.
func Version() int { return stateVersion }

// Marshal returns the state in the form the store keeps (a
// journeyv1.StoredState, in protobuf's binary form), so that it can Apply
// later events to it without reading earlier ones. It holds patient
// identifiers and download links: personal data.
func (st *State) Marshal() ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(st.s.stored())
}

// Unmarshal reads a state written by Marshal, or by an earlier release
// (which stored the same state as JSON). A state of another fold version
// is an error: the journey must be rebuilt from its events.
func Unmarshal(b []byte) (State, error) {
	if len(b) > 0 && b[0] == '{' { // JSON: no StoredState encoding starts with '{'
		return unmarshalJSON(b)
	}
	var m journeyv1.StoredState
	if err := proto.Unmarshal(b, &m); err != nil {
		return State{}, fmt.Errorf("journey: unreadable stored state: %w", err)
	}
	if err := checkVersion(int(m.GetVersion())); err != nil {
		return State{}, err
	}
	return State{s: stateOf(&m)}, nil
}

func checkVersion(v int) error {
	if v != stateVersion {
		return fmt.Errorf("journey: stored state has fold version %d, want %d: rebuild the journeys", v, stateVersion)
	}
	return nil
}

// jsonStored is the JSON form earlier releases stored.
type jsonStored struct {
	V int   `json:"v"`
	S state `json:"s"`
}

func unmarshalJSON(b []byte) (State, error) {
	var w jsonStored
	if err := json.Unmarshal(b, &w); err != nil {
		return State{}, fmt.Errorf("journey: unreadable stored state: %w", err)
	}
	if err := checkVersion(w.V); err != nil {
		return State{}, err
	}
	return State{s: w.S}, nil
}

// stored converts s to its stored form.
func (s *state) stored() *journeyv1.StoredState {
	m := &journeyv1.StoredState{
		Version: stateVersion, Source: s.Source, Count: s.Count,
		First: pointMsg(s.First), Last: pointMsg(s.Last), MaxSequence: s.MaxSeq, StageRank: int32(s.StageRank),
		StepAt: pointMsg(s.Step.At), StepType: s.Step.Val.Type, StepKind: int32(s.Step.Val.Kind), StepReason: s.Step.Val.Reason,
		ProgressAt: pointMsg(s.Progress.At), ProgressPhase: int32(s.Progress.Val),
		ResourcesIngested: s.Resources, ResourceRetrievalFailures: s.Failures,
		ExportAt: pointMsg(s.Export.At), Export: s.Export.Val,
		ApiModeAt: pointMsg(s.APIMode.At), ApiMode: s.APIMode.Val,
		ConsentExpiresAt: pointMsg(s.ConsentExp.At),
	}
	for k, p := range s.Times {
		if p != nil {
			m.StepTimes = append(m.StepTimes, &journeyv1.StepTime{Kind: int32(k), At: pointMsg(p)})
		}
	}
	m.Identities = make([]*journeyv1.Latest, len(s.Identities))
	for i, l := range s.Identities {
		m.Identities[i] = &journeyv1.Latest{At: pointMsg(l.At), Value: l.Val}
	}
	if s.ConsentExp.At != nil {
		m.ConsentExpires = timestamppb.New(s.ConsentExp.Val)
	}
	return m
}

// stateOf converts a stored state back.
func stateOf(m *journeyv1.StoredState) state {
	s := state{
		Source: m.GetSource(), Count: m.GetCount(), First: storedPoint(m.GetFirst()), Last: storedPoint(m.GetLast()),
		MaxSeq: m.GetMaxSequence(), StageRank: int(m.GetStageRank()),
		Step: latest[step]{At: storedPoint(m.GetStepAt()),
			Val: step{Type: m.GetStepType(), Kind: Kind(m.GetStepKind()), Reason: m.GetStepReason()}},
		Progress:  latest[Phase]{At: storedPoint(m.GetProgressAt()), Val: Phase(m.GetProgressPhase())},
		Resources: m.GetResourcesIngested(), Failures: m.GetResourceRetrievalFailures(),
		Export:  latest[[]byte]{At: storedPoint(m.GetExportAt()), Val: m.GetExport()},
		APIMode: latest[int32]{At: storedPoint(m.GetApiModeAt()), Val: m.GetApiMode()},
	}
	for _, t := range m.GetStepTimes() {
		if k := int(t.GetKind()); k >= 0 && k < len(s.Times) {
			s.Times[k] = storedPoint(t.GetAt())
		}
	}
	for i, l := range m.GetIdentities() {
		if i < len(s.Identities) {
			s.Identities[i] = latest[string]{At: storedPoint(l.GetAt()), Val: l.GetValue()}
		}
	}
	if at := m.GetConsentExpiresAt(); at != nil {
		s.ConsentExp = latest[time.Time]{At: storedPoint(at), Val: m.GetConsentExpires().AsTime()}
	}
	return s
}

// pointMsg converts a point; nil stays nil.
func pointMsg(p *point) *journeyv1.Point {
	if p == nil {
		return nil
	}
	return &journeyv1.Point{Seconds: p.Sec, Nanos: p.Nano, Sequence: p.Seq, Key: p.Key}
}

// storedPoint converts a stored point; nil stays nil.
func storedPoint(m *journeyv1.Point) *point {
	if m == nil {
		return nil
	}
	return &point{Sec: m.GetSeconds(), Nano: m.GetNanos(), Seq: m.GetSequence(), Key: m.GetKey()}
}
