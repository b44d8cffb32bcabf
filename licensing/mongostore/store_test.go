package mongostore_test

import (
	"testing"

	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/licensing/mongostore"
	"github.com/berth/berth/licensing/storetest"
)

// newStore returns a store on a new, empty database.
func newStore(t *testing.T) *mongostore.Store {
	return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) licensing.Store { return newStore(t) })
}

func TestRefreshStore(t *testing.T) {
	storetest.RunRefresh(t, func(t *testing.T) licensing.RefreshStore { return newStore(t) })
}

func TestUsageStore(t *testing.T) {
	storetest.RunUsage(t, func(t *testing.T) licensing.UsageStore { return newStore(t) }, storetest.Options{
		NotAtomic: "FerretDB v1 applies conditional updates ($inc, $push) as read-modify-write",
	})
}
