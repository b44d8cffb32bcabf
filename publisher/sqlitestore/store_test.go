package sqlitestore_test

import (
	"testing"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/publisher/sqlitestore"
	"github.com/berth/berth/publisher/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) publisher.Store {
		return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
	})
}

func TestWithdrawalStore(t *testing.T) {
	storetest.RunWithdrawals(t, func(t *testing.T) publisher.WithdrawalStore {
		return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
	})
}
