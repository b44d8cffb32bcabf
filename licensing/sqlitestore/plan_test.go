package sqlitestore

import (
	"strings"
	"testing"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

// TestUsageStatementsUseIndexes asks SQLite for the plan of every usage
// statement and fails on a table scan or a sort outside an index: usage
// tables grow with every token and pull.
func TestUsageStatementsUseIndexes(t *testing.T) {
	db := sqldbtest.Open(t)
	storetesting.NewStore(t, db, New)
	for name, stmt := range map[string]string{
		"claimSeat": claimSeat, "seatHeld": seatHeld, "selectSeats": selectSeats, "releaseSeat": releaseSeat,
		"insertTokenRecord": insertTokenRecord, "insertTokenRecordLicense": insertTokenRecordLicense,
		"selectTokenRecords": selectTokenRecords, "selectLicenseTokenRecords": selectLicenseTokenRecords,
		"insertPull": insertPull, "selectPulls": selectPulls, "selectLicensePulls": selectLicensePulls,
		"countPull": countPull, "selectPullCount": selectPullCount,
		"recordRelease": recordRelease, "selectReleases": selectReleases,
		"pruneTokenRecordLicenses": pruneTokenRecordLicenses, "pruneTokenRecords": pruneTokenRecords,
		"prunePulls": prunePulls, "prunePullCounts": prunePullCounts,
	} {
		t.Run(name, func(t *testing.T) {
			for _, step := range sqldbtest.Plan(t, db, stmt) {
				// Pruning walks old records' license lists (json_each), not
				// a table.
				scan := strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, " USING ") &&
					step != "SCAN CONSTANT ROW" && !strings.Contains(step, "VIRTUAL TABLE INDEX")
				if scan || strings.Contains(step, "TEMP B-TREE") {
					t.Errorf("plan step %q", step)
				}
			}
		})
	}
}

// TestLicensesByProductUsesIndex checks that a product's licenses are read
// through licenses_product in its order: only ties on created_at (the id
// tie-break) may be sorted apart, never the whole listing.
func TestLicensesByProductUsesIndex(t *testing.T) {
	db := sqldbtest.Open(t)
	storetesting.NewStore(t, db, New)
	steps := sqldbtest.Plan(t, db, selectProductLicenses, "acme-db", 10)
	if len(steps) == 0 || !strings.HasPrefix(steps[0], "SEARCH licenses USING INDEX licenses_product (product=?)") {
		t.Errorf("plan %q does not search licenses_product", steps)
	}
	for _, step := range steps {
		if strings.Contains(step, "TEMP B-TREE FOR ORDER BY") {
			t.Errorf("plan step %q sorts the whole listing", step)
		}
	}
}
