// Package storetest is the behaviour suite every billing.Store must pass;
// the SQLite and MongoDB implementations both run it. Run is the entry
// point.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/internal/storetesting"
)

// Options adjusts the suite to what a store's database can do.
type Options struct {
	// NotAtomic, when set, says why the database may apply concurrent
	// conditional updates as read-modify-write (FerretDB v1 does), and skips
	// the test that changes one order from many goroutines at once. Such a
	// store keeps concurrent order changes only as far as its database
	// does.
	NotAtomic string
}

// Run runs the suite. newStore must return a new, empty store for each call.
func Run(t *testing.T, newStore func(t *testing.T) billing.Store, o Options) {
	concurrent := func(run func(*testing.T, billing.Store)) func(*testing.T, billing.Store) {
		if o.NotAtomic == "" {
			return run
		}
		return func(t *testing.T, _ billing.Store) { t.Skip(o.NotAtomic) }
	}
	storetesting.Run(t, newStore, []storetesting.Test[billing.Store]{
		{Name: "RoundTrip", Run: testRoundTrip},
		{Name: "NotFound", Run: testNotFound},
		{Name: "Conflict", Run: testConflict},
		{Name: "Update", Run: testUpdate},
		{Name: "UpdateNotFound", Run: testUpdateNotFound},
		{Name: "UpdateConflict", Run: testUpdateConflict},
		{Name: "Versions", Run: testVersions},
		{Name: "UpdateStale", Run: testUpdateStale},
		{Name: "UpdateConcurrently", Run: concurrent(testUpdateConcurrently)},
		{Name: "Lookups", Run: testLookups},
		{Name: "ByBuyer", Run: testByBuyer},
		{Name: "Events", Run: testEvents},
		{Name: "Customers", Run: testCustomers},
		{Name: "AddSale", Run: testAddSale},
		{Name: "Sales", Run: testSales},
	})
}

// order returns a paid subscription order with every field set, its Stripe
// identifiers derived from id.
func order(id, buyer string, created time.Time) billing.Order {
	return billing.Order{
		ID: id, SessionID: "cs_" + id, Buyer: buyer, Owner: "org-" + buyer, OwnerName: "Acme \"Ops\" — ünïcode",
		Product: "acme-db", ProductName: "Acme DB", Tier: "pro", TierName: "Pro", Publisher: "acme",
		Mode: "subscription", Interval: "month", Quantity: 3, Amount: 4999, Currency: "eur",
		Status: billing.OrderPaid, LicenseID: "lic-" + id, CustomerID: "cus_" + buyer,
		SubscriptionID: "sub_" + id, PaymentIntent: "pi_" + id, InvoiceID: "in_" + id,
		ReceiptURL: "https://pay.stripe.com/receipts/" + id + "?s=ap",
		PeriodEnd:  storetesting.T2, EventAt: storetesting.T1, CreatedAt: created, UpdatedAt: storetesting.T1,
		ClaimedUntil: storetesting.T0,
	}
}

func testRoundTrip(t *testing.T, s billing.Store) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		in   billing.Order
	}{
		{"every field set", order("o1", "u1", storetesting.T0)},
		{"zero values", billing.Order{ID: "o2"}},
		{"pending, no Stripe identifiers yet", billing.Order{ID: "o3", Buyer: "u1", Owner: "u1",
			Product: "acme-db", Tier: "pro", Mode: "payment", Quantity: 1, Amount: 100, Currency: "usd",
			Status: billing.OrderPending, LicenseID: "lic-o3", CreatedAt: storetesting.T1, UpdatedAt: storetesting.T1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.CreateOrder(ctx, tc.in); err != nil {
				t.Fatalf("CreateOrder: %v", err)
			}
			if diff := cmp.Diff(tc.in, mustOrder(t, s, tc.in.ID)); diff != "" {
				t.Errorf("Order mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func testNotFound(t *testing.T, s billing.Store) {
	ctx := context.Background()
	mustCreate(t, s, order("o1", "u1", storetesting.T0))
	// An order whose Stripe identifiers are all empty must not answer to
	// an empty one.
	mustCreate(t, s, billing.Order{ID: "o2", Buyer: "u1", CreatedAt: storetesting.T1})
	for _, tc := range []struct {
		name string
		get  func() (billing.Order, error)
	}{
		{"Order", func() (billing.Order, error) { return s.Order(ctx, "o3") }},
		{"Order of a session ID", func() (billing.Order, error) { return s.Order(ctx, "cs_o1") }},
		{"OrderBySession", func() (billing.Order, error) { return s.OrderBySession(ctx, "cs_o3") }},
		{"OrderBySession of an ID", func() (billing.Order, error) { return s.OrderBySession(ctx, "o1") }},
		{"OrderBySession empty", func() (billing.Order, error) { return s.OrderBySession(ctx, "") }},
		{"OrderBySubscription", func() (billing.Order, error) { return s.OrderBySubscription(ctx, "sub_o3") }},
		{"OrderBySubscription empty", func() (billing.Order, error) { return s.OrderBySubscription(ctx, "") }},
		{"OrderByPaymentIntent", func() (billing.Order, error) { return s.OrderByPaymentIntent(ctx, "pi_o3") }},
		{"OrderByPaymentIntent empty", func() (billing.Order, error) { return s.OrderByPaymentIntent(ctx, "") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := tc.get()
			if !errors.Is(err, billing.ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
			if o.ID != "" {
				t.Errorf("order = %+v, want zero", o)
			}
		})
	}
}

func testConflict(t *testing.T, s billing.Store) {
	ctx := context.Background()
	first := order("o1", "u1", storetesting.T0)
	mustCreate(t, s, first)
	sameID := order("o1", "u2", storetesting.T1)
	sameID.SessionID = "cs_other"
	sameSession := order("o2", "u2", storetesting.T1)
	sameSession.SessionID = first.SessionID
	for _, tc := range []struct {
		name string
		o    billing.Order
	}{
		{"same ID", sameID},
		{"same session ID", sameSession},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.CreateOrder(ctx, tc.o); !errors.Is(err, billing.ErrConflict) {
				t.Fatalf("err = %v, want ErrConflict", err)
			}
		})
	}
	if _, err := s.Order(ctx, "o2"); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("rejected order was stored (Order err = %v)", err)
	}
	if _, err := s.OrderBySession(ctx, "cs_other"); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("rejected order's session was stored (OrderBySession err = %v)", err)
	}
	if diff := cmp.Diff(first, mustOrder(t, s, "o1")); diff != "" {
		t.Errorf("first order changed (-want +got):\n%s", diff)
	}
	t.Run("several without a session", func(t *testing.T) {
		for _, id := range []string{"o3", "o4"} {
			if err := s.CreateOrder(ctx, billing.Order{ID: id, Buyer: "u1"}); err != nil {
				t.Errorf("CreateOrder(%s) without a session: %v", id, err)
			}
		}
	})
}

// mustCreate creates o and fails the test on error.
func mustCreate(t *testing.T, s billing.Store, o billing.Order) {
	t.Helper()
	if err := s.CreateOrder(context.Background(), o); err != nil {
		t.Fatalf("CreateOrder(%s): %v", o.ID, err)
	}
}

// mustOrder reads order id and fails the test on error.
func mustOrder(t *testing.T, s billing.Store, id string) billing.Order {
	t.Helper()
	o, err := s.Order(context.Background(), id)
	if err != nil {
		t.Fatalf("Order(%s): %v", id, err)
	}
	return o
}
