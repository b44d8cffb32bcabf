package mongostore_test

import (
	"testing"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/billing/mongostore"
	"github.com/berth/berth/billing/storetest"
	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/storetesting"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) billing.Store {
		return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
	}, storetest.Options{
		NotAtomic: "FerretDB v1 applies a conditional update as a read, then a write: " +
			"two compare-and-swaps of one version can both succeed (internal/mongotest BenchmarkAtomicity); " +
			"this case runs exactly on SQLite, and README.md's table under \"Concurrency on the MongoDB side\" " +
			"says why UpdateOrder is atomic on MongoDB",
	})
}
