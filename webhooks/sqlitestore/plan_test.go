package sqlitestore

import (
	"strings"
	"testing"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

// TestListingsUseIndexes asks SQLite for the plan of every listing and
// fails on a table scan or a sort outside an index: deliveries grow with
// every event, and the due listing runs at every retry tick.
func TestListingsUseIndexes(t *testing.T) {
	db := sqldbtest.Open(t)
	storetesting.NewStore(t, db, New)
	for name, stmt := range map[string]string{
		"selectEndpoints": selectEndpoints, "selectDeliveries": selectDeliveries,
		"selectDueDeliveries": selectDueDeliveries,
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
