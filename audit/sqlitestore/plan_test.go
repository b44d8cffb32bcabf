package sqlitestore

import (
	"strings"
	"testing"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

// TestListingsUseIndexes asks SQLite for the plan of every listing and of
// the sweep, and fails on a table scan or a sort outside an index: the log
// holds 400 days of sign-ins, and a page must cost its length, not the
// log's.
func TestListingsUseIndexes(t *testing.T) {
	db := sqldbtest.Open(t)
	storetesting.NewStore(t, db, New)
	for name, stmt := range map[string]string{
		"selectEvents": selectEvents, "selectActorEvents": selectActorEvents,
		"selectActionEvents": selectActionEvents, "selectOrgEvents": selectOrgEvents,
		"deleteEvents": deleteEvents,
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
