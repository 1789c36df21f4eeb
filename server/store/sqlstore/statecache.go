package sqlstore

import (
	"sync"

	"github.com/connevents/connevents/server/journey"
)

// stateCacheSize is how many decoded journey states a Store keeps.
const stateCacheSize = 2000

// stateCache keeps the decoded states of recently written journeys, so
// that an append to an active journey need not decode its stored state
// again. An entry is used only when the stored row still has the sequence
// and update time it was written with: a write by another process (or a
// stall, a prune, a rebuild) changes one of them, so a stale entry is never
// used. Decoding is the costliest part of journey upkeep.
type stateCache struct {
	mu sync.Mutex
	m  map[string]cachedState
}

type cachedState struct {
	seq, updated int64
	state        journey.State
}

func newStateCache() *stateCache { return &stateCache{m: map[string]cachedState{}} }

// get returns the cached state of row, if it is current.
func (c *stateCache) get(row *journeyRow) (journey.State, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[row.id]
	if !ok || e.seq != row.seq || e.updated != row.updated {
		return journey.State{}, false
	}
	// A shallow copy: Apply replaces what it changes, never writes through
	// the copy's pointers.
	return e.state, true
}

// put records states written by a committed transaction.
func (c *stateCache) put(fresh []freshState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range fresh {
		if len(c.m) >= stateCacheSize {
			for id := range c.m { // evict one at random
				delete(c.m, id)
				break
			}
		}
		c.m[f.id] = cachedState{seq: f.seq, updated: f.updated, state: f.state}
	}
}

// freshState is a state a transaction writes.
type freshState struct {
	id           string
	seq, updated int64
	state        journey.State
}
