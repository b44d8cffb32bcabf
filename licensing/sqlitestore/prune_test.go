package sqlitestore

import (
	"context"
	"testing"

	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
)

// TestPruneUsageDeletesLicenseRows checks what the shared suite cannot see:
// that pruning a token record deletes the rows that list it per license,
// and only those.
func TestPruneUsageDeletesLicenseRows(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t)
	s := storetesting.NewStore(t, db, New)
	err := s.RecordTokens(ctx, []licensing.TokenRecord{
		{ID: "old", At: storetesting.T0, Licenses: []string{"l1", "l2"}},
		{ID: "new", At: storetesting.T2, Licenses: []string{"l1"}},
	})
	if err != nil {
		t.Fatalf("RecordTokens: %v", err)
	}
	if _, err := s.PruneUsage(ctx, storetesting.T1); err != nil {
		t.Fatalf("PruneUsage: %v", err)
	}
	var old, left int
	err = db.QueryRowContext(ctx, `SELECT count(*) FILTER (WHERE record_id = 'old'), count(*)
		FROM token_record_licenses`).Scan(&old, &left)
	if err != nil {
		t.Fatalf("counting license rows: %v", err)
	}
	if old != 0 || left != 1 {
		t.Errorf("license rows after the prune: %d of the pruned record, %d in all; want 0 and 1", old, left)
	}
}
