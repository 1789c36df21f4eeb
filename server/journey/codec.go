package journey

import (
	"encoding/json"
	"fmt"
)

// stateVersion is the version of the fold and of its stored form. Change it
// when the fold changes meaning; a store holding older states can then
// rebuild its journeys from the log.
const stateVersion = 1

// Version returns the version of the fold, for the store to record beside
// its journeys.
func Version() int { return stateVersion }

// stored is the stored form of a State.
type stored struct {
	V int   `json:"v"`
	S state `json:"s"`
}

// Marshal returns the state in the form the store keeps, so that it can
// Apply later events to it without reading earlier ones. It holds patient
// identifiers and download links: personal data.
func (st *State) Marshal() ([]byte, error) {
	return json.Marshal(stored{V: stateVersion, S: st.s})
}

// Unmarshal reads a state written by Marshal. A state of another fold
// version is an error: the journey must be rebuilt from its events.
func Unmarshal(b []byte) (State, error) {
	var w stored
	if err := json.Unmarshal(b, &w); err != nil {
		return State{}, fmt.Errorf("journey: unreadable stored state: %w", err)
	}
	if w.V != stateVersion {
		return State{}, fmt.Errorf("journey: stored state has fold version %d, want %d: rebuild the journeys", w.V, stateVersion)
	}
	return State{s: w.S}, nil
}
