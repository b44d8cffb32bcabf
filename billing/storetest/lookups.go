package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/internal/storetesting"
)

func testLookups(t *testing.T, s billing.Store) {
	ctx := context.Background()
	orders := []billing.Order{
		order("o1", "u1", storetesting.T0),
		order("o2", "u2", storetesting.T1),
		{ID: "o3", Buyer: "u1", CreatedAt: storetesting.T2},
	}
	for _, o := range orders {
		mustCreate(t, s, o)
	}
	for _, o := range orders[:2] {
		for _, l := range []struct {
			name string
			by   func(context.Context, string) (billing.Order, error)
			key  string
		}{
			{"OrderBySession", s.OrderBySession, o.SessionID},
			{"OrderBySubscription", s.OrderBySubscription, o.SubscriptionID},
			{"OrderByPaymentIntent", s.OrderByPaymentIntent, o.PaymentIntent},
		} {
			t.Run(l.name+"/"+l.key, func(t *testing.T) {
				got, err := l.by(ctx, l.key)
				if err != nil {
					t.Fatalf("%s: %v", l.name, err)
				}
				if diff := cmp.Diff(o, got); diff != "" {
					t.Errorf("%s mismatch (-want +got):\n%s", l.name, diff)
				}
			})
		}
	}
}

func testByBuyer(t *testing.T, s billing.Store) {
	ctx := context.Background()
	for _, o := range []billing.Order{
		order("a", "u1", storetesting.T1),
		order("b", "u2", storetesting.T2),
		order("c", "u1", storetesting.T2),
		order("d", "u1", storetesting.T0),
		order("e", "u1", storetesting.T1.Add(time.Nanosecond)),
	} {
		mustCreate(t, s, o)
	}
	for _, tc := range []struct {
		buyer string
		want  []string
	}{
		{"u1", []string{"c", "e", "a", "d"}},
		{"u2", []string{"b"}},
		{"u3", nil},
		// Owner is not Buyer: orders are listed by who placed them.
		{"org-u1", nil},
	} {
		t.Run(tc.buyer, func(t *testing.T) {
			got, err := s.OrdersByBuyer(ctx, tc.buyer)
			if err != nil {
				t.Fatalf("OrdersByBuyer: %v", err)
			}
			var ids []string
			for _, o := range got {
				ids = append(ids, o.ID)
				if diff := cmp.Diff(mustOrder(t, s, o.ID), o); diff != "" {
					t.Errorf("listed %s differs from Order (-want +got):\n%s", o.ID, diff)
				}
			}
			if diff := cmp.Diff(tc.want, ids); diff != "" {
				t.Errorf("IDs mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
