package sqlitestore_test

import (
	"testing"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/billing/sqlitestore"
	"github.com/berth/berth/billing/storetest"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) billing.Store {
		return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
	}, storetest.Options{})
}
