package sqlitestore_test

import (
	"testing"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/jobs"
	"github.com/berth/berth/jobs/sqlitestore"
	"github.com/berth/berth/jobs/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) jobs.Store {
		return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
	})
}

func TestConcurrentClaims(t *testing.T) {
	storetest.RunConcurrent(t, func(t *testing.T) jobs.Store {
		return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
	})
}
