package sqlitestore_test

import (
	"testing"

	"github.com/berth/berth/builds"
	"github.com/berth/berth/builds/sqlitestore"
	"github.com/berth/berth/builds/storetest"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) builds.Store {
		return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
	})
}
