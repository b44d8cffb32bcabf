package sqlitestore

import (
	"context"
	"errors"
	"fmt"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

// orderColumns lists the orders columns in scanOrder's order.
const orderColumns = `id, session_id, buyer, owner, owner_name, product, product_name,
	tier, tier_name, publisher, mode, interval, quantity, amount, currency, status,
	license_id, customer_id, subscription_id, payment_intent, invoice_id, receipt_url,
	period_end, event_at, created_at, updated_at, version, claimed_until`

// The order lookups. Each Stripe identifier's condition repeats its partial
// index's, so that SQLite uses the index and an empty one finds nothing.
const (
	selectOrderBySession = `SELECT ` + orderColumns + ` FROM orders
		WHERE session_id = ? AND session_id != ''`
	selectOrderBySubscription = `SELECT ` + orderColumns + ` FROM orders
		WHERE subscription_id = ? AND subscription_id != '' ORDER BY created_at DESC, id DESC LIMIT 1`
	selectOrderByPaymentIntent = `SELECT ` + orderColumns + ` FROM orders
		WHERE payment_intent = ? AND payment_intent != '' ORDER BY created_at DESC, id DESC LIMIT 1`
	selectOrdersByBuyer = `SELECT ` + orderColumns + ` FROM orders
		WHERE buyer = ? ORDER BY created_at DESC, id DESC`
)

// CreateOrder inserts o at version 0; a duplicate ID or session ID yields
// billing.ErrConflict.
func (s *Store) CreateOrder(ctx context.Context, o billing.Order) error {
	_, err := sqldb.Exec(ctx, s.db, `INSERT INTO orders (`+orderColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)`,
		o.ID, o.SessionID, o.Buyer, o.Owner, o.OwnerName, o.Product, o.ProductName,
		o.Tier, o.TierName, o.Publisher, o.Mode, o.Interval, o.Quantity, o.Amount, o.Currency,
		string(o.Status), o.LicenseID, o.CustomerID, o.SubscriptionID, o.PaymentIntent,
		o.InvoiceID, o.ReceiptURL, storecodec.Time(o.PeriodEnd), storecodec.Time(o.EventAt),
		storecodec.Time(o.CreatedAt), storecodec.Time(o.UpdatedAt), storecodec.Time(o.ClaimedUntil))
	if column, ok := sqldb.UniqueViolation(err); ok {
		return fmt.Errorf("creating order %s: duplicate %s: %w", o.ID, column, billing.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("creating order %s: %w", o.ID, err)
	}
	return nil
}

// UpdateOrder replaces every field of the stored order but ID, Buyer and
// CreatedAt with o's and stores version o.Version+1, in one statement that
// matches only the version o was read at: SQLite runs one writer at a time,
// so of two updates read at one version exactly one matches. A refused
// update returns billing.ErrStale, or billing.ErrNotFound if the order does
// not exist; a session ID another order has yields billing.ErrConflict.
func (s *Store) UpdateOrder(ctx context.Context, o billing.Order) error {
	res, err := sqldb.Exec(ctx, s.db, `UPDATE orders SET session_id = ?, owner = ?,
		owner_name = ?, product = ?, product_name = ?, tier = ?, tier_name = ?, publisher = ?,
		mode = ?, interval = ?, quantity = ?, amount = ?, currency = ?, status = ?,
		license_id = ?, customer_id = ?, subscription_id = ?, payment_intent = ?,
		invoice_id = ?, receipt_url = ?, period_end = ?, event_at = ?, updated_at = ?,
		claimed_until = ?, version = version + 1
		WHERE id = ? AND version = ?`,
		o.SessionID, o.Owner, o.OwnerName, o.Product, o.ProductName, o.Tier, o.TierName,
		o.Publisher, o.Mode, o.Interval, o.Quantity, o.Amount, o.Currency, string(o.Status),
		o.LicenseID, o.CustomerID, o.SubscriptionID, o.PaymentIntent, o.InvoiceID, o.ReceiptURL,
		storecodec.Time(o.PeriodEnd), storecodec.Time(o.EventAt), storecodec.Time(o.UpdatedAt),
		storecodec.Time(o.ClaimedUntil), o.ID, o.Version)
	if column, ok := sqldb.UniqueViolation(err); ok {
		return fmt.Errorf("updating order %s: duplicate %s: %w", o.ID, column, billing.ErrConflict)
	}
	if err := sqldb.ChangedOne(res, err, billing.ErrStale); errors.Is(err, billing.ErrStale) {
		// Nothing matched: a newer version, or no order at all.
		if _, rerr := s.Order(ctx, o.ID); rerr != nil {
			return fmt.Errorf("updating order %s: %w", o.ID, rerr)
		}
		return fmt.Errorf("updating order %s at version %d: %w", o.ID, o.Version, err)
	} else if err != nil {
		return fmt.Errorf("updating order %s: %w", o.ID, err)
	}
	return nil
}

// Order returns the order with that ID, or billing.ErrNotFound.
func (s *Store) Order(ctx context.Context, id string) (billing.Order, error) {
	return sqldb.QueryOne(ctx, s.db, fmt.Sprintf("order %q", id), billing.ErrNotFound, scanOrder,
		`SELECT `+orderColumns+` FROM orders WHERE id = ?`, id)
}

// OrderBySession returns the order of a Checkout Session, or
// billing.ErrNotFound; no order has the empty session ID.
func (s *Store) OrderBySession(ctx context.Context, sessionID string) (billing.Order, error) {
	return sqldb.QueryOne(ctx, s.db, fmt.Sprintf("order of session %q", sessionID), billing.ErrNotFound, scanOrder,
		selectOrderBySession, sessionID)
}

// OrderBySubscription returns the order of a subscription, or
// billing.ErrNotFound; no order has the empty subscription ID.
func (s *Store) OrderBySubscription(ctx context.Context, subscriptionID string) (billing.Order, error) {
	return sqldb.QueryOne(ctx, s.db, fmt.Sprintf("order of subscription %q", subscriptionID), billing.ErrNotFound, scanOrder,
		selectOrderBySubscription, subscriptionID)
}

// OrderByPaymentIntent returns the order a payment intent paid, or
// billing.ErrNotFound; no order has the empty payment intent.
func (s *Store) OrderByPaymentIntent(ctx context.Context, paymentIntent string) (billing.Order, error) {
	return sqldb.QueryOne(ctx, s.db, fmt.Sprintf("order of payment intent %q", paymentIntent), billing.ErrNotFound, scanOrder,
		selectOrderByPaymentIntent, paymentIntent)
}

// OrdersByBuyer returns the orders a user placed, newest first (ties by ID,
// descending).
func (s *Store) OrdersByBuyer(ctx context.Context, buyer string) ([]billing.Order, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanOrder, selectOrdersByBuyer, buyer)
	if err != nil {
		return nil, fmt.Errorf("listing orders of %s: %w", buyer, err)
	}
	return out, nil
}

// scanOrder reads one row of orderColumns.
func scanOrder(sc sqldb.Scanner) (billing.Order, error) {
	var (
		o                                               billing.Order
		periodEnd, eventAt, created, updatedAt, claimed int64
	)
	err := sc.Scan(&o.ID, &o.SessionID, &o.Buyer, &o.Owner, &o.OwnerName, &o.Product, &o.ProductName,
		&o.Tier, &o.TierName, &o.Publisher, &o.Mode, &o.Interval, &o.Quantity, &o.Amount, &o.Currency,
		&o.Status, &o.LicenseID, &o.CustomerID, &o.SubscriptionID, &o.PaymentIntent, &o.InvoiceID,
		&o.ReceiptURL, &periodEnd, &eventAt, &created, &updatedAt, &o.Version, &claimed)
	if err != nil {
		return billing.Order{}, err
	}
	o.PeriodEnd, o.EventAt = storecodec.ParseTime(periodEnd), storecodec.ParseTime(eventAt)
	o.CreatedAt, o.UpdatedAt = storecodec.ParseTime(created), storecodec.ParseTime(updatedAt)
	o.ClaimedUntil = storecodec.ParseTime(claimed)
	return o, nil
}
