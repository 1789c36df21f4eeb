package sqlstore

import (
	"time"

	"github.com/connevents/connevents/server/journey"
)

// Options are the settings a backend is opened with.
type Options struct {
	// Thresholds are the stall thresholds journeys are judged by
	// (journey.DefaultThresholds() unless set).
	Thresholds journey.Thresholds
	// NoJourneys turns journey upkeep off: Append still sets
	// ConnectionId, but keeps no journeys, changes or funnel rows. Only to
	// measure what upkeep costs.
	NoJourneys bool
	// Now is the clock of journey updates (time.Now unless set).
	Now func() time.Time
}

// Option sets an Option of Options.
type Option func(*Options)

// WithStallThresholds sets the stall thresholds (`--stall-after`).
func WithStallThresholds(th journey.Thresholds) Option {
	return func(o *Options) { o.Thresholds = th }
}

// WithoutJourneys turns journey upkeep off (for benchmarks).
func WithoutJourneys() Option {
	return func(o *Options) { o.NoJourneys = true }
}

// WithClock sets the clock of journey updates (for tests).
func WithClock(now func() time.Time) Option {
	return func(o *Options) { o.Now = now }
}

// NewOptions returns the Options that opts set over the defaults.
func NewOptions(opts ...Option) Options {
	o := Options{Thresholds: journey.DefaultThresholds(), Now: time.Now}
	for _, f := range opts {
		f(&o)
	}
	return o
}
