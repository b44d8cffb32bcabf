package sqlitestore

import (
	"testing"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

// TestLookupsUseIndexes asks SQLite for the plan of every lookup and
// listing and fails on a table scan or a sort outside an index: orders and
// sales grow with every purchase.
func TestLookupsUseIndexes(t *testing.T) {
	db := sqldbtest.Open(t)
	storetesting.NewStore(t, db, New)
	sqldbtest.RequireIndexed(t, db, map[string]string{
		"selectOrderBySession": selectOrderBySession, "selectOrderBySubscription": selectOrderBySubscription,
		"selectOrderByPaymentIntent": selectOrderByPaymentIntent, "selectOrdersByBuyer": selectOrdersByBuyer,
		"selectSales": selectSales,
	})
}
