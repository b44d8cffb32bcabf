package sqlitestore

import (
	"context"
	"errors"
	"testing"

	"github.com/berth/berth/billing"
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
	o, err := s.Order(ctx, "o1")
	if err != nil || o.Version != 0 || o.SessionID != "cs_1" || o.Amount != 500 {
		t.Fatalf("the old order after the migration: %+v, %v; want it at version 0", o, err)
	}
	o.Status = billing.OrderPaid
	if err := s.UpdateOrder(ctx, o); err != nil {
		t.Fatalf("updating the old order at version 0: %v", err)
	}
	if err := s.UpdateOrder(ctx, o); !errors.Is(err, billing.ErrStale) {
		t.Errorf("updating it at version 0 again: %v, want ErrStale", err)
	}
	if got, err := s.Order(ctx, "o1"); err != nil || got.Version != 1 || got.Status != billing.OrderPaid {
		t.Errorf("the old order after one update: %+v, %v; want paid at version 1", got, err)
	}
}
