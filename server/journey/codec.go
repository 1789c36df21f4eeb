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
	k := &keyTable{index: map[string]int32{}}
	m := &journeyv1.StoredState{
		Version: stateVersion, Source: s.Source, Count: s.Count,
		First: k.point(s.First), Last: k.point(s.Last), MaxSequence: s.MaxSeq, StageRank: int32(s.StageRank),
		StepAt: k.point(s.Step.At), StepType: s.Step.Val.Type, StepKind: int32(s.Step.Val.Kind), StepReason: s.Step.Val.Reason,
		ProgressAt: k.point(s.Progress.At), ProgressPhase: int32(s.Progress.Val),
		ResourcesIngested: s.Resources, ResourceRetrievalFailures: s.Failures,
		ExportAt: k.point(s.Export.At), Export: s.Export.Val,
		ApiModeAt: k.point(s.APIMode.At), ApiMode: s.APIMode.Val,
		ConsentExpiresAt: k.point(s.ConsentExp.At),
	}
	for kind, p := range s.Times {
		if p != nil {
			m.StepTimes = append(m.StepTimes, &journeyv1.StepTime{Kind: int32(kind), At: k.point(p)})
		}
	}
	m.Identities = make([]*journeyv1.Latest, len(s.Identities))
	for i, l := range s.Identities {
		m.Identities[i] = &journeyv1.Latest{At: k.point(l.At), Value: l.Val}
	}
	if s.ConsentExp.At != nil {
		m.ConsentExpires = timestamppb.New(s.ConsentExp.Val)
	}
	m.Keys = k.keys
	return m
}

// stateOf converts a stored state back.
func stateOf(m *journeyv1.StoredState) state {
	k := &keyTable{keys: m.GetKeys()}
	s := state{
		Source: m.GetSource(), Count: m.GetCount(), First: k.stored(m.GetFirst()), Last: k.stored(m.GetLast()),
		MaxSeq: m.GetMaxSequence(), StageRank: int(m.GetStageRank()),
		Step: latest[step]{At: k.stored(m.GetStepAt()),
			Val: step{Type: m.GetStepType(), Kind: Kind(m.GetStepKind()), Reason: m.GetStepReason()}},
		Progress:  latest[Phase]{At: k.stored(m.GetProgressAt()), Val: Phase(m.GetProgressPhase())},
		Resources: m.GetResourcesIngested(), Failures: m.GetResourceRetrievalFailures(),
		Export:  latest[[]byte]{At: k.stored(m.GetExportAt()), Val: m.GetExport()},
		APIMode: latest[int32]{At: k.stored(m.GetApiModeAt()), Val: m.GetApiMode()},
	}
	for _, t := range m.GetStepTimes() {
		if kind := int(t.GetKind()); kind >= 0 && kind < len(s.Times) {
			s.Times[kind] = k.stored(t.GetAt())
		}
	}
	for i, l := range m.GetIdentities() {
		if i < len(s.Identities) {
			s.Identities[i] = latest[string]{At: k.stored(l.GetAt()), Val: l.GetValue()}
		}
	}
	if at := m.GetConsentExpiresAt(); at != nil {
		s.ConsentExp = latest[time.Time]{At: k.stored(at), Val: m.GetConsentExpires().AsTime()}
	}
	return s
}

// keyTable interns the points' keys (vendor event ids) of one stored
// state: most points name the same few events, so each id is written once
// and the points refer to it.
type keyTable struct {
	keys  []string
	index map[string]int32 // writing: key → 1 + its index in keys
}

// point converts a point for storing; nil stays nil.
func (k *keyTable) point(p *point) *journeyv1.Point {
	if p == nil {
		return nil
	}
	m := &journeyv1.Point{Seconds: p.Sec, Nanos: p.Nano, Sequence: p.Seq}
	if p.Key != "" {
		ref, ok := k.index[p.Key]
		if !ok {
			k.keys = append(k.keys, p.Key)
			ref = int32(len(k.keys))
			k.index[p.Key] = ref
		}
		m.KeyIndex = ref
	}
	return m
}

// stored converts a stored point back; nil stays nil.
func (k *keyTable) stored(m *journeyv1.Point) *point {
	if m == nil {
		return nil
	}
	p := &point{Sec: m.GetSeconds(), Nano: m.GetNanos(), Seq: m.GetSequence(), Key: m.GetKey()}
	if i := int(m.GetKeyIndex()); i > 0 && i <= len(k.keys) {
		p.Key = k.keys[i-1]
	}
	return p
}
