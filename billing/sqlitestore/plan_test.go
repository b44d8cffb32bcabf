package sqlitestore

import (
	"context"
	"database/sql"
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
			steps := plan(t, db, stmt)
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

// plan returns the details of stmt's query plan, every parameter NULL.
func plan(t *testing.T, db *sql.DB, stmt string) []string {
	t.Helper()
	args := make([]any, strings.Count(stmt, "?"))
	rows, err := db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+stmt, args...)
	if err != nil {
		t.Fatalf("explaining: %v", err)
	}
	defer func() { _ = rows.Close() }()
	var steps []string
	for rows.Next() {
		var (
			id, parent, unused int
			detail             string
		)
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatalf("reading the plan: %v", err)
		}
		steps = append(steps, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("reading the plan: %v", err)
	}
	return steps
}
