package sqlite

import (
	"testing"

	"github.com/connevents/connevents/server/store/storetest"
)

func BenchmarkAppend(b *testing.B) { storetest.BenchmarkAppend(b, newStore) }

func BenchmarkList(b *testing.B) { storetest.BenchmarkList(b, newStore) }
