package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
)

func testUpdate(t *testing.T, s licensing.Store) {
	ctx := context.Background()
	orig := license("l1", "u1", storetesting.T0)
	mustCreate(t, s, orig)
	other := license("l2", "u1", storetesting.T0)
	mustCreate(t, s, other)

	changed := licensing.License{
		ID: "l1", KeyHash: "hash-renewed", KeyHint: "xrenewed", Owner: "u9",
		Product: "acme-db-2", Tier: "enterprise", Repositories: []string{"acme/db2"},
		Status: licensing.StatusRevoked, Trial: true, Seats: 7,
		Entitlement: licensing.Entitlement{Versions: "^3", TagPattern: "3.*", Perpetual: true},
		Quota:       licensing.Quota{Pulls: 50, Period: licensing.PerDay},
		OrderID:     "order-2", TermsVersion: 2, TermsAcceptedAt: storetesting.T1,
		CreatedAt: storetesting.T2, ExpiresAt: storetesting.T2, RevokedAt: storetesting.T1,
	}
	cleared := licensing.License{ID: "l1", KeyHash: "hash-renewed", Owner: "u8"}
	// Each step applies to the license as the previous step left it.
	for _, tc := range []struct {
		name string
		in   licensing.License
	}{
		{"every field changed", changed},
		{"fields cleared", cleared},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.UpdateLicense(ctx, tc.in); err != nil {
				t.Fatalf("UpdateLicense: %v", err)
			}
			want := tc.in
			want.Owner, want.CreatedAt = orig.Owner, orig.CreatedAt
			if diff := cmp.Diff(want, mustLicense(t, s, "l1"), equate); diff != "" {
				t.Errorf("LicenseByID after the update (-want +got):\n%s", diff)
			}
			byHash, err := s.LicenseByKeyHash(ctx, tc.in.KeyHash)
			if err != nil {
				t.Fatalf("LicenseByKeyHash of the new hash: %v", err)
			}
			if diff := cmp.Diff(want, byHash, equate); diff != "" {
				t.Errorf("LicenseByKeyHash after the update (-want +got):\n%s", diff)
			}
			if _, err := s.LicenseByKeyHash(ctx, orig.KeyHash); !errors.Is(err, licensing.ErrNotFound) {
				t.Errorf("LicenseByKeyHash of the old hash: err = %v, want ErrNotFound", err)
			}
			owned, err := s.LicensesByOwner(ctx, "u1")
			if err != nil {
				t.Fatalf("LicensesByOwner: %v", err)
			}
			if len(owned) != 2 {
				t.Errorf("owner u1 holds %d licenses after the update, want 2", len(owned))
			}
		})
	}
	if diff := cmp.Diff(other, mustLicense(t, s, "l2"), equate); diff != "" {
		t.Errorf("other license changed (-want +got):\n%s", diff)
	}
}

func testUpdateNotFound(t *testing.T, s licensing.Store) {
	ctx := context.Background()
	mustCreate(t, s, license("l1", "u1", storetesting.T0))
	if err := s.UpdateLicense(ctx, license("l2", "u1", storetesting.T0)); !errors.Is(err, licensing.ErrNotFound) {
		t.Errorf("UpdateLicense of an unknown ID: err = %v, want ErrNotFound", err)
	}
	if _, err := s.LicenseByID(ctx, "l2"); !errors.Is(err, licensing.ErrNotFound) {
		t.Errorf("UpdateLicense of an unknown ID stored it (LicenseByID err = %v)", err)
	}
}

func testUpdateConflict(t *testing.T, s licensing.Store) {
	ctx := context.Background()
	first, second := license("l1", "u1", storetesting.T0), license("l2", "u2", storetesting.T1)
	mustCreate(t, s, first)
	mustCreate(t, s, second)
	update := second
	update.KeyHash, update.Status = first.KeyHash, licensing.StatusSuspended
	if err := s.UpdateLicense(ctx, update); !errors.Is(err, licensing.ErrConflict) {
		t.Fatalf("UpdateLicense to another license's key hash: err = %v, want ErrConflict", err)
	}
	for _, want := range []licensing.License{first, second} {
		if diff := cmp.Diff(want, mustLicense(t, s, want.ID), equate); diff != "" {
			t.Errorf("license %s changed (-want +got):\n%s", want.ID, diff)
		}
	}
	if got, err := s.LicenseByKeyHash(ctx, first.KeyHash); err != nil || got.ID != first.ID {
		t.Errorf("LicenseByKeyHash of the first hash = %s, %v; want %s", got.ID, err, first.ID)
	}
}
