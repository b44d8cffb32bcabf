package sqlitestore_test

import (
	"testing"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/webhooks"
	"github.com/berth/berth/webhooks/sqlitestore"
	"github.com/berth/berth/webhooks/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) webhooks.Store {
		return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
	})
}
