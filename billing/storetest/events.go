package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/internal/storetesting"
)

func testEvents(t *testing.T, s billing.Store) {
	ctx := context.Background()
	claim := func(id string, want bool) {
		t.Helper()
		done, err := s.ClaimEvent(ctx, id, "checkout.session.completed", storetesting.T1)
		if err != nil {
			t.Fatalf("ClaimEvent(%s): %v", id, err)
		}
		if done != want {
			t.Errorf("ClaimEvent(%s) done = %v, want %v", id, done, want)
		}
	}
	claim("evt_1", false) // first arrival
	claim("evt_1", false) // redelivered before it was finished: process again
	claim("evt_2", false)
	if err := s.FinishEvent(ctx, "evt_1", storetesting.T2); err != nil {
		t.Fatalf("FinishEvent: %v", err)
	}
	claim("evt_1", true)  // redelivered after it was finished: skip
	claim("evt_2", false) // another event is not finished with it
	if err := s.FinishEvent(ctx, "evt_1", storetesting.T2); err != nil {
		t.Errorf("FinishEvent of a finished event: %v", err)
	}
	claim("evt_1", true)
	if err := s.FinishEvent(ctx, "evt_3", storetesting.T2); !errors.Is(err, billing.ErrNotFound) {
		t.Errorf("FinishEvent of an unclaimed event: err = %v, want ErrNotFound", err)
	}
	claim("evt_3", false)
}

func testCustomers(t *testing.T, s billing.Store) {
	ctx := context.Background()
	if got, err := s.Customer(ctx, "u1"); !errors.Is(err, billing.ErrNotFound) || got != "" {
		t.Errorf("Customer of an owner without one = %q, %v; want ErrNotFound", got, err)
	}
	for _, tc := range []struct {
		owner, customer, want string
	}{
		{"u1", "cus_first", "cus_first"},
		{"u1", "cus_second", "cus_first"}, // the first recorded wins
		{"org1", "cus_org", "cus_org"},
	} {
		got, err := s.SetCustomer(ctx, tc.owner, tc.customer)
		if err != nil || got != tc.want {
			t.Errorf("SetCustomer(%s, %s) = %q, %v; want %q", tc.owner, tc.customer, got, err, tc.want)
		}
	}
	for owner, want := range map[string]string{"u1": "cus_first", "org1": "cus_org"} {
		if got, err := s.Customer(ctx, owner); err != nil || got != want {
			t.Errorf("Customer(%s) = %q, %v; want %q", owner, got, err, want)
		}
	}
}
