package postgres

import (
	"testing"

	"github.com/connevents/connevents/server/store"
	"github.com/connevents/connevents/server/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.RunAll(t, func(t *testing.T) store.Store { return openTemp(t) })
}
