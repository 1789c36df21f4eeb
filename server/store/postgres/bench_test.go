package postgres

import (
	"testing"

	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/postgres/pgtest"
	"github.com/connevents/connevents/server/store/sqlstore"
	"github.com/connevents/connevents/server/store/storetest"
)

func BenchmarkAppend(b *testing.B) { storetest.BenchmarkAppend(b, newStore) }

func BenchmarkList(b *testing.B) { storetest.BenchmarkList(b, newStore) }

// BenchmarkAppendUpkeep compares appends with and without journey upkeep.
func BenchmarkAppendUpkeep(b *testing.B) {
	storetest.BenchmarkAppendUpkeep(b, newStore, func(tb testing.TB) store.Store {
		return openURL(tb, pgtest.Schema(tb), sqlstore.WithoutJourneys())
	})
}

func BenchmarkJourneys(b *testing.B) { storetest.BenchmarkJourneys(b, newStore) }
