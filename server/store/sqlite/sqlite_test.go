package sqlite

import (
	"testing"

	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/storetest"
)

func newStore(tb testing.TB) store.Store { return openTemp(tb) }

func TestConformance(t *testing.T) { storetest.RunAll(t, newStore) }
