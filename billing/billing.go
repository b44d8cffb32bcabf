// Package billing sells paid tiers through Stripe Checkout: orders, the
// webhook that turns payments into licenses exactly once, subscriptions,
// refunds, and publishers' earnings.
package billing

import (
	"context"
	"errors"
	"time"
)

// OrderStatus is where a purchase is.
type OrderStatus string

// Order statuses.
const (
	// OrderPending: the buyer was sent to Stripe and has not paid yet (or an
	// asynchronous payment is under way).
	OrderPending OrderStatus = "pending"
	// OrderPaid: paid; the license is issued.
	OrderPaid OrderStatus = "paid"
	// OrderPastDue: a renewal payment failed; the license runs on in its
	// grace period.
	OrderPastDue OrderStatus = "past_due"
	// OrderCanceled: the subscription ended (at the end of its period).
	OrderCanceled OrderStatus = "canceled"
	// OrderFailed: the payment failed; no license.
	OrderFailed OrderStatus = "failed"
	// OrderRefunded: the payment was refunded; the license is revoked.
	OrderRefunded OrderStatus = "refunded"
)

// Order is one purchase of a tier: the Stripe Checkout Session the buyer was
// sent to and what came of it. LicenseID is chosen when the order is
// created, so that however many times Stripe's events about it arrive, they
// can only ever issue that one license.
type Order struct {
	ID             string
	SessionID      string // Stripe Checkout Session, unique once set
	Buyer          string // the user who bought
	Owner          string // who holds the license: the buyer or an organisation
	OwnerName      string
	Product        string
	ProductName    string
	Tier           string
	TierName       string
	Publisher      string // the publisher's slug, who earns from it
	Mode           string // "payment" or "subscription"
	Interval       string // "", "month" or "year"
	Quantity       int
	Amount         int64 // in the currency's smallest unit, per period for subscriptions
	Currency       string
	Status         OrderStatus
	LicenseID      string
	CustomerID     string // Stripe customer
	SubscriptionID string
	PaymentIntent  string
	InvoiceID      string
	ReceiptURL     string // Stripe's hosted receipt or invoice page
	PeriodEnd      time.Time
	// EventAt is the creation time of the newest Stripe event applied to
	// the subscription, so that an older event arriving late changes
	// nothing.
	EventAt   time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
	// Version counts the order's stored changes: CreateOrder stores 0 and
	// each UpdateOrder one more. An update names the version it was read
	// at and is refused if the order changed since, so that Berth
	// instances sharing one database never overwrite each other's change.
	Version int64
	// ClaimedUntil, while in the future, says that one Stripe event is
	// applying its change to the order, side effects included: others wait
	// for it, so that the events of one order take effect one at a time on
	// every instance. It is a lease: an instance that dies holding it holds
	// it no longer than that.
	ClaimedUntil time.Time
}

// Sale is one line of a publisher's earnings: a payment (positive) or a
// refund (negative), split into the platform's fee and the publisher's net.
// ID makes recording it idempotent (the invoice or payment it comes from).
type Sale struct {
	ID        string
	Publisher string
	OrderID   string
	Product   string
	Tier      string
	Gross     int64
	Fee       int64
	Net       int64
	Currency  string
	At        time.Time
}

// Sentinel errors callers compare with errors.Is.
var (
	// ErrNotFound means no order matched.
	ErrNotFound = errors.New("order not found")
	// ErrConflict means a record with the same unique field exists.
	ErrConflict = errors.New("already exists")
	// ErrStale means an update was refused because the order was changed
	// (by this or another Berth instance) after the updater read it: read
	// it again and re-apply the change.
	ErrStale = errors.New("the order changed since it was read")
)

// Store persists billing. The SQLite and MongoDB stores implement it and
// pass the shared suite in storetest.
type Store interface {
	// CreateOrder inserts o at version 0, whatever o.Version says; a
	// duplicate ID or session ID yields ErrConflict.
	CreateOrder(ctx context.Context, o Order) error
	// UpdateOrder is a compare-and-swap: if the stored order's version is
	// o.Version, it replaces the stored order with o's fields (all but ID,
	// Buyer and CreatedAt) and stores version o.Version+1, in one atomic
	// step. Otherwise it changes nothing and returns ErrStale, or
	// ErrNotFound if there is no such order. A session ID another order
	// has yields ErrConflict.
	UpdateOrder(ctx context.Context, o Order) error
	// Order returns the order with that ID, or ErrNotFound.
	Order(ctx context.Context, id string) (Order, error)
	// OrderBySession returns the order of a Checkout Session, or ErrNotFound.
	OrderBySession(ctx context.Context, sessionID string) (Order, error)
	// OrderBySubscription returns the order of a subscription, or ErrNotFound.
	OrderBySubscription(ctx context.Context, subscriptionID string) (Order, error)
	// OrderByPaymentIntent returns the order a payment intent paid, or
	// ErrNotFound.
	OrderByPaymentIntent(ctx context.Context, paymentIntent string) (Order, error)
	// OrdersByBuyer returns the orders a user placed, newest first.
	OrdersByBuyer(ctx context.Context, buyer string) ([]Order, error)

	// ClaimEvent records that a Stripe event arrived. It reports whether the
	// event was processed completely before: an event recorded but never
	// finished (the process died, a step failed) is processed again.
	ClaimEvent(ctx context.Context, id, typ string, at time.Time) (done bool, err error)
	// FinishEvent marks an event processed.
	FinishEvent(ctx context.Context, id string, at time.Time) error

	// Customer returns the Stripe customer of a user or organisation, or
	// ErrNotFound.
	Customer(ctx context.Context, owner string) (string, error)
	// SetCustomer records owner's Stripe customer unless one is recorded;
	// it returns the one recorded, so that two concurrent first checkouts
	// share one customer.
	SetCustomer(ctx context.Context, owner, customerID string) (string, error)

	// AddSale records s; a sale whose ID exists is skipped.
	AddSale(ctx context.Context, s Sale) error
	// Sales returns a publisher's sales with from <= At < to, oldest first.
	Sales(ctx context.Context, publisher string, from, to time.Time) ([]Sale, error)
}
