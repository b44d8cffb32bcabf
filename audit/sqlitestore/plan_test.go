package sqlitestore

import (
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
	sqldbtest.RequireIndexed(t, db, map[string]string{
		"selectEvents": selectEvents, "selectActorEvents": selectActorEvents,
		"selectActionEvents": selectActionEvents, "selectOrgEvents": selectOrgEvents,
		"deleteEvents": deleteEvents,
	})
}
