package sqlitestore_test

import (
	"testing"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/scanning"
	"github.com/berth/berth/scanning/sqlitestore"
	"github.com/berth/berth/scanning/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) scanning.Store {
		return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
	})
}
