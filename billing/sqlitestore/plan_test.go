package sqlitestore

import (
	"strings"
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
	for name, stmt := range map[string]string{
		"selectOrderBySession": selectOrderBySession, "selectOrderBySubscription": selectOrderBySubscription,
		"selectOrderByPaymentIntent": selectOrderByPaymentIntent, "selectOrdersByBuyer": selectOrdersByBuyer,
		"selectSales": selectSales,
	} {
		t.Run(name, func(t *testing.T) {
			steps := sqldbtest.Plan(t, db, stmt)
			if len(steps) == 0 {
				t.Fatal("no plan")
			}
			for _, step := range steps {
				if !strings.Contains(step, " USING ") || strings.Contains(step, "TEMP B-TREE") {
					t.Errorf("plan step %q", step)
				}
			}
		})
	}
}
