//go:build race

package durability

// raceEnabled: this test binary runs under the race detector, whose shadow
// memory grows the process's RSS with every allocation, so the soak's RSS
// bound is checked only in a run without it (make test runs one).
const raceEnabled = true
