package sqlstore

import (
	"sync"

	"github.com/connevents/connevents/server/journey"
)

// stateCacheSize is how many journeys a Store keeps decoded, about 3 KiB
// each (the row and its decoded state): ~50 MiB when full. It is sized for
// tens of thousands of connections active at once; past that, upkeep reads
// and decodes the states it misses.
const stateCacheSize = 16384

// stateCache keeps the rows and decoded states of recently written
// journeys, so that an append to an active journey reads only its stored
// sequence and update time, not its row, and need not decode its state
// again. An entry is used only when the stored row still has the sequence
// and update time it was written with: a write by another process (or a
// stall, a prune, a rebuild) changes one of them, so a stale entry is never
// used. Reading and decoding stored states was the costliest part of
// journey upkeep.
type stateCache struct {
	mu sync.Mutex
	m  map[string]cachedState
}

type cachedState struct {
	row   journeyRow
	state journey.State
}

func newStateCache() *stateCache { return &stateCache{m: map[string]cachedState{}} }

// get returns the cached row and state of journey id, if the stored row
// has sequence seq and update time updated.
func (c *stateCache) get(id string, seq, updated int64) (*loaded, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || e.row.seq != seq || e.row.updated != updated {
		return nil, false
	}
	// A shallow copy: Apply replaces what it changes, never writes through
	// the copy's pointers.
	return &loaded{row: e.row, state: e.state}, true
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
		c.m[f.row.id] = cachedState{row: *f.row, state: f.state}
	}
}

// freshState is a journey row a transaction writes, with its state.
type freshState struct {
	row   *journeyRow
	state journey.State
}
