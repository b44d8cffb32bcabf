package sqlitestore

import (
	"testing"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

// TestListingsUseIndexes asks SQLite for the plan of every listing and
// fails on a table scan or a sort outside an index: deliveries grow with
// every event, and each attempt reads its delivery.
func TestListingsUseIndexes(t *testing.T) {
	db := sqldbtest.Open(t)
	storetesting.NewStore(t, db, New)
	sqldbtest.RequireIndexed(t, db, map[string]string{
		"selectEndpoints": selectEndpoints, "selectDeliveries": selectDeliveries,
		"selectDelivery": selectDelivery,
	})
}
