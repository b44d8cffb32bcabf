package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/internal/storetesting"
)

func testUpdate(t *testing.T, s billing.Store) {
	ctx := context.Background()
	// The order as CreateOrder stores it: pending, before Stripe answers.
	orig := billing.Order{ID: "o1", Buyer: "u1", Owner: "u1", Product: "acme-db", Tier: "pro",
		Mode: "subscription", Quantity: 1, Amount: 100, Currency: "usd", Status: billing.OrderPending,
		LicenseID: "lic-o1", CreatedAt: storetesting.T0, UpdatedAt: storetesting.T0}
	mustCreate(t, s, orig)
	other := order("o2", "u1", storetesting.T0)
	mustCreate(t, s, other)

	paid := order("o1", "u9", storetesting.T2)
	canceled := paid
	canceled.Status, canceled.SessionID, canceled.PaymentIntent = billing.OrderCanceled, "cs_renewed", "pi_renewed"
	canceled.PeriodEnd, canceled.EventAt, canceled.UpdatedAt = storetesting.T1, storetesting.T2, storetesting.T2
	cleared := billing.Order{ID: "o1", Buyer: "u8"}
	// Each step applies to the order as the previous step left it; before
	// is the step's order before it, whose Stripe identifiers must no
	// longer find it unless kept.
	before := orig
	for i, tc := range []struct {
		name string
		in   billing.Order
	}{
		{"every field set", paid},
		{"identifiers changed", canceled},
		{"fields cleared", cleared},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.Version = int64(i) // as the previous step left it
			if err := s.UpdateOrder(ctx, tc.in); err != nil {
				t.Fatalf("UpdateOrder: %v", err)
			}
			want := tc.in
			want.Buyer, want.CreatedAt, want.Version = orig.Buyer, orig.CreatedAt, int64(i+1)
			if diff := cmp.Diff(want, mustOrder(t, s, "o1")); diff != "" {
				t.Errorf("Order after the update (-want +got):\n%s", diff)
			}
			checkLookups(t, s, want, before)
			before = want
		})
	}
	if diff := cmp.Diff(other, mustOrder(t, s, "o2")); diff != "" {
		t.Errorf("other order changed (-want +got):\n%s", diff)
	}
	got, err := s.OrdersByBuyer(ctx, "u1")
	if err != nil || len(got) != 2 {
		t.Errorf("OrdersByBuyer(u1) after the updates = %d orders, %v; want 2", len(got), err)
	}
}

// checkLookups checks that o's Stripe identifiers find it, and that those
// of old, an earlier state of o, no longer do unless o kept them.
func checkLookups(t *testing.T, s billing.Store, o, old billing.Order) {
	t.Helper()
	ctx := context.Background()
	for _, l := range []struct {
		name     string
		by       func(context.Context, string) (billing.Order, error)
		now, was string
	}{
		{"OrderBySession", s.OrderBySession, o.SessionID, old.SessionID},
		{"OrderBySubscription", s.OrderBySubscription, o.SubscriptionID, old.SubscriptionID},
		{"OrderByPaymentIntent", s.OrderByPaymentIntent, o.PaymentIntent, old.PaymentIntent},
	} {
		if l.now != "" {
			got, err := l.by(ctx, l.now)
			if err != nil {
				t.Errorf("%s(%q): %v", l.name, l.now, err)
			} else if diff := cmp.Diff(o, got); diff != "" {
				t.Errorf("%s(%q) mismatch (-want +got):\n%s", l.name, l.now, diff)
			}
		}
		if l.was != "" && l.was != l.now {
			if got, err := l.by(ctx, l.was); !errors.Is(err, billing.ErrNotFound) {
				t.Errorf("%s(%q) of a replaced value = %s, %v; want ErrNotFound", l.name, l.was, got.ID, err)
			}
		}
	}
}

func testUpdateNotFound(t *testing.T, s billing.Store) {
	ctx := context.Background()
	mustCreate(t, s, order("o1", "u1", storetesting.T0))
	if err := s.UpdateOrder(ctx, order("o2", "u1", storetesting.T0)); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("UpdateOrder of an unknown ID: err = %v, want ErrNotFound", err)
	}
	if _, err := s.Order(ctx, "o2"); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("UpdateOrder of an unknown ID stored it (Order err = %v)", err)
	}
	if _, err := s.OrderBySession(ctx, "cs_o2"); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("UpdateOrder of an unknown ID stored its session (OrderBySession err = %v)", err)
	}
}

func testUpdateConflict(t *testing.T, s billing.Store) {
	ctx := context.Background()
	first := order("o1", "u1", storetesting.T0)
	second := order("o2", "u2", storetesting.T1)
	second.SessionID = ""
	third := billing.Order{ID: "o3", Buyer: "u3"}
	for _, o := range []billing.Order{first, second, third} {
		mustCreate(t, s, o)
	}
	update := second
	update.SessionID, update.Status = first.SessionID, billing.OrderFailed
	if err := s.UpdateOrder(ctx, update); !errors.Is(err, billing.ErrConflict) {
		t.Fatalf("UpdateOrder to another order's session ID: err = %v, want ErrConflict", err)
	}
	for _, want := range []billing.Order{first, second} {
		if diff := cmp.Diff(want, mustOrder(t, s, want.ID)); diff != "" {
			t.Errorf("order %s changed (-want +got):\n%s", want.ID, diff)
		}
	}
	if got, err := s.OrderBySession(ctx, first.SessionID); err != nil || got.ID != first.ID {
		t.Errorf("OrderBySession of the first session = %s, %v; want %s", got.ID, err, first.ID)
	}
	// Keeping one's own session ID, or having none beside another order
	// without one, is no conflict.
	for _, o := range []billing.Order{first, third} {
		o.Status = billing.OrderRefunded // at version 0: the refused update did not count
		if err := s.UpdateOrder(ctx, o); err != nil {
			t.Errorf("UpdateOrder(%s) keeping its session ID %q: %v", o.ID, o.SessionID, err)
		}
	}
}
