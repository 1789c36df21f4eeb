package postgres

import (
	"testing"

	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/storetest"
)

func newBenchStore(b *testing.B) store.Store { return openTemp(b) }

func BenchmarkAppend(b *testing.B) { storetest.BenchmarkAppend(b, newBenchStore) }

func BenchmarkList(b *testing.B) { storetest.BenchmarkList(b, newBenchStore) }
