package sqlitestore

import (
	"strings"
	"testing"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

// TestReferrerStatementsUseIndexes: every referrers statement searches an
// index and reads in its order; a repository may hold many signatures and
// SBOMs.
func TestReferrerStatementsUseIndexes(t *testing.T) {
	db := sqldbtest.Open(t)
	storetesting.NewStore(t, db, New)
	for name, stmt := range map[string]string{
		"putReferrer": putReferrer, "selectSubjectReferrers": selectSubjectReferrers,
		"selectRepositoryReferrers": selectRepositoryReferrers, "deleteReferrer": deleteReferrer,
	} {
		t.Run(name, func(t *testing.T) {
			for _, step := range sqldbtest.Plan(t, db, stmt) {
				if (strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, " USING ")) || strings.Contains(step, "TEMP B-TREE") {
					t.Errorf("plan step %q", step)
				}
			}
		})
	}
}
