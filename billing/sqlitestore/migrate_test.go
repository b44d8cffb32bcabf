package sqlitestore

import (
	"context"
	"testing"

	"github.com/berth/berth/billing/storetest"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

// TestMigrateVersionsOldOrders upgrades a database made by the first schema
// step, with an order in it, and checks that the order reads back at
// version 0 and takes compare-and-swap updates from there.
func TestMigrateVersionsOldOrders(t *testing.T) {
	ctx := context.Background()
	db := sqldbtest.Open(t)
	if err := sqldb.Migrate(ctx, db, "billing", schema[:1]); err != nil {
		t.Fatalf("applying the first step: %v", err)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO orders (id, session_id, buyer, owner, owner_name, product,
		product_name, tier, tier_name, publisher, mode, interval, quantity, amount, currency, status,
		license_id, customer_id, subscription_id, payment_intent, invoice_id, receipt_url,
		period_end, event_at, created_at, updated_at)
		VALUES ('o1', 'cs_1', 'u1', 'u1', 'U', 'p', 'P', 't', 'T', 'acme', 'payment', '', 1, 500, 'usd',
		'pending', 'lic-1', '', '', '', '', '', 0, 0, 5, 5)`)
	if err != nil {
		t.Fatalf("inserting an old order: %v", err)
	}
	s := storetesting.NewStore(t, db, New)
	storetest.CheckOrderStoredBeforeVersions(t, s)
}
