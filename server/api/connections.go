package api

import (
	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/reason"
)

// checkEventFilter refuses the parts of an event filter the store cannot
// apply yet: a filter by connection_id is refused rather than silently
// matching every event.
func checkEventFilter(f *conneventsv1.EventFilter) error {
	if f.GetConnectionId() != "" {
		return reason.New(reason.ConnectionFilterUnavailable, "filtering events by connection_id is not available yet")
	}
	return nil
}
