package journey

import (
	"fmt"
	"strings"
	"time"
)

// Thresholds is how long an in-progress journey may go without progress in
// each phase before it is STALLED. Zero disables stalling in that phase.
type Thresholds struct {
	// Discovery: searched, selected or requested a system, not authorized.
	Discovery time.Duration
	// Authorized: authorized, no transfer seen.
	Authorized time.Duration
	// Transfer: the transfer started, or resources arrive, not completed.
	Transfer time.Duration
}

// DefaultThresholds are the thresholds when none are configured:
//
//   - discovery 1h: a patient who found a system either authorizes within
//     one sitting or has given up;
//   - authorized 6h: Fasten sends nothing between authorization and the
//     export, which can take hours;
//   - transfer 24h: a 1upHealth import usually completes within hours and
//     otherwise reports a timeout, so a day of silence means it is stuck.
func DefaultThresholds() Thresholds {
	return Thresholds{Discovery: time.Hour, Authorized: 6 * time.Hour, Transfer: 24 * time.Hour}
}

// of returns the threshold of phase p (0 for NoPhase).
func (t Thresholds) of(p Phase) time.Duration {
	switch p {
	case Discovery:
		return t.Discovery
	case AuthorizedPhase:
		return t.Authorized
	case Transfer:
		return t.Transfer
	}
	return 0
}

// String formats t the way ParseThresholds reads it.
func (t Thresholds) String() string {
	return fmt.Sprintf("discovery=%s,authorized=%s,transfer=%s", t.Discovery, t.Authorized, t.Transfer)
}

// ParseThresholds reads a `--stall-after` value such as
// `authorized=2h,transfer=24h`: comma-separated phase=duration pairs
// (phases discovery, authorized, transfer; Go durations, 0 to disable),
// each phase at most once, that override base; or `0` alone, which
// disables every phase. An empty string returns base.
func ParseThresholds(s string, base Thresholds) (Thresholds, error) {
	t := base
	switch strings.TrimSpace(s) {
	case "":
		return t, nil
	case "0":
		return Thresholds{}, nil
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return base, fmt.Errorf("stall threshold %q: want phase=duration, or 0 alone to never stall", part)
		}
		d, err := time.ParseDuration(strings.TrimSpace(value))
		if err != nil || d < 0 {
			return base, fmt.Errorf("stall threshold %q: want a non-negative duration such as 2h", part)
		}
		phase := strings.ToLower(strings.TrimSpace(name))
		if seen[phase] {
			return base, fmt.Errorf("stall threshold %q: phase %s given twice", part, phase)
		}
		seen[phase] = true
		switch phase {
		case "discovery":
			t.Discovery = d
		case "authorized":
			t.Authorized = d
		case "transfer":
			t.Transfer = d
		default:
			return base, fmt.Errorf("stall threshold %q: unknown phase (want discovery, authorized or transfer)", part)
		}
	}
	return t, nil
}
