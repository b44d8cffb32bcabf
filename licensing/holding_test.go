package licensing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/berth/berth/licensing"
)

// TestHolding: of an owner's licenses, only an active, unexpired one of
// exactly the product and tier asked about is a holding; expired, revoked
// and suspended licenses, other tiers, other products and other owners'
// licenses are not.
func TestHolding(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	s := licensing.New(store, nil, nil)
	now := time.Now()
	for _, l := range []licensing.License{
		{ID: "expired", Owner: "bea", Product: "app", Tier: "plain", Status: licensing.StatusActive, ExpiresAt: now.Add(-time.Hour)},
		{ID: "revoked", Owner: "bea", Product: "app", Tier: "team", Status: licensing.StatusRevoked},
		{ID: "suspended", Owner: "bea", Product: "app", Tier: "gold", Status: licensing.StatusSuspended},
		{ID: "held", Owner: "bea", Product: "app", Tier: "yearly", Status: licensing.StatusActive, ExpiresAt: now.Add(time.Hour)},
		{ID: "forever", Owner: "org-1", Product: "app", Tier: "plain", Status: licensing.StatusActive},
	} {
		l.KeyHash, l.CreatedAt = "hash-"+l.ID, now.Add(-2*time.Hour)
		if err := store.CreateLicense(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		owner, product, tier string
		want                 string // license ID; "": ErrNotFound
	}{
		{"bea", "app", "plain", ""},
		{"bea", "app", "team", ""},
		{"bea", "app", "gold", ""},
		{"bea", "app", "yearly", "held"},
		{"bea", "other", "yearly", ""},
		{"org-1", "app", "plain", "forever"},
		{"org-1", "app", "yearly", ""},
		{"cal", "app", "plain", ""},
	} {
		l, err := s.Holding(ctx, tc.owner, tc.product, tc.tier)
		switch {
		case tc.want == "" && !errors.Is(err, licensing.ErrNotFound):
			t.Errorf("Holding(%s, %s, %s) = %q, %v; want ErrNotFound", tc.owner, tc.product, tc.tier, l.ID, err)
		case tc.want != "" && (err != nil || l.ID != tc.want):
			t.Errorf("Holding(%s, %s, %s) = %q, %v; want %s", tc.owner, tc.product, tc.tier, l.ID, err, tc.want)
		}
	}
}
