package sqlitestore_test

import (
	"testing"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/licensing/sqlitestore"
	"github.com/berth/berth/licensing/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) licensing.Store {
		return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
	})
}
