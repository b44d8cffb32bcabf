// Package sqlitestore keeps billing (orders, the Stripe events received,
// Stripe customers and publishers' sales) in the embedded SQLite database.
package sqlitestore

import (
	"context"
	"database/sql"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/internal/sqldb"
)

// schema is the billing domain's migration steps; append, never edit.
//
// An order's Stripe identifiers are empty until Stripe assigns them, so
// their indexes are partial: only set values are indexed, and only they
// must be unique. Lookups repeat the index's condition so that SQLite uses
// it.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS orders (
		id              TEXT PRIMARY KEY,
		session_id      TEXT NOT NULL,
		buyer           TEXT NOT NULL,
		owner           TEXT NOT NULL,
		owner_name      TEXT NOT NULL,
		product         TEXT NOT NULL,
		product_name    TEXT NOT NULL,
		tier            TEXT NOT NULL,
		tier_name       TEXT NOT NULL,
		publisher       TEXT NOT NULL,
		mode            TEXT NOT NULL,
		interval        TEXT NOT NULL,
		quantity        INTEGER NOT NULL,
		amount          INTEGER NOT NULL,
		currency        TEXT NOT NULL,
		status          TEXT NOT NULL,
		license_id      TEXT NOT NULL,
		customer_id     TEXT NOT NULL,
		subscription_id TEXT NOT NULL,
		payment_intent  TEXT NOT NULL,
		invoice_id      TEXT NOT NULL,
		receipt_url     TEXT NOT NULL,
		period_end      INTEGER NOT NULL,
		event_at        INTEGER NOT NULL,
		created_at      INTEGER NOT NULL,
		updated_at      INTEGER NOT NULL
	) STRICT;
	CREATE UNIQUE INDEX IF NOT EXISTS orders_session ON orders (session_id) WHERE session_id != '';
	CREATE INDEX IF NOT EXISTS orders_subscription ON orders (subscription_id, created_at DESC, id DESC)
		WHERE subscription_id != '';
	CREATE INDEX IF NOT EXISTS orders_payment_intent ON orders (payment_intent, created_at DESC, id DESC)
		WHERE payment_intent != '';
	CREATE INDEX IF NOT EXISTS orders_buyer ON orders (buyer, created_at DESC, id DESC);
	CREATE TABLE IF NOT EXISTS billing_events (
		id           TEXT PRIMARY KEY,
		type         TEXT NOT NULL,
		received_at  INTEGER NOT NULL,
		processed_at INTEGER NOT NULL
	) STRICT;
	CREATE TABLE IF NOT EXISTS customers (
		owner       TEXT PRIMARY KEY,
		customer_id TEXT NOT NULL
	) STRICT;
	CREATE TABLE IF NOT EXISTS sales (
		id        TEXT PRIMARY KEY,
		publisher TEXT NOT NULL,
		order_id  TEXT NOT NULL,
		product   TEXT NOT NULL,
		tier      TEXT NOT NULL,
		gross     INTEGER NOT NULL,
		fee       INTEGER NOT NULL,
		net       INTEGER NOT NULL,
		currency  TEXT NOT NULL,
		at        INTEGER NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS sales_publisher_at ON sales (publisher, at, id)`,
	// An order's version, for UpdateOrder's compare-and-swap, and the lease
	// of the event applying its change; orders stored before them start at
	// version 0, unclaimed.
	`ALTER TABLE orders ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE orders ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0`,
}

// Store implements billing.Store on SQLite.
type Store struct {
	db *sql.DB
}

var _ billing.Store = (*Store)(nil)

// New creates the billing tables if needed and returns a Store using db.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if err := sqldb.Migrate(ctx, db, "billing", schema); err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}
