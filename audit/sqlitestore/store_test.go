package sqlitestore_test

import (
	"testing"

	"github.com/berth/berth/audit"
	"github.com/berth/berth/audit/sqlitestore"
	"github.com/berth/berth/audit/storetest"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) audit.Store {
		return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
	})
}
