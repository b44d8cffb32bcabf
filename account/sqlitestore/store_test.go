package sqlitestore_test

import (
	"testing"

	"github.com/berth/berth/account"
	"github.com/berth/berth/account/sqlitestore"
	"github.com/berth/berth/account/storetest"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) account.Store {
		return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
	})
}
