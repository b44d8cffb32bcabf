package sqlitestore_test

import (
	"testing"

	"github.com/berth/berth/directory"
	"github.com/berth/berth/directory/sqlitestore"
	"github.com/berth/berth/directory/storetest"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) directory.Store {
		return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
	})
}
