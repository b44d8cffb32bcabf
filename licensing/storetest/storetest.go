// Package storetest is the behaviour suite every licensing.Store,
// licensing.RefreshStore and licensing.UsageStore must pass; the SQLite and
// MongoDB implementations both run it. Run is the entry point for
// licensing.Store, RunRefresh for licensing.RefreshStore and RunUsage for
// licensing.UsageStore.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
)

// Run runs the suite. newStore must return a new, empty store for each call.
func Run(t *testing.T, newStore func(t *testing.T) licensing.Store) {
	storetesting.Run(t, newStore, []storetesting.Test[licensing.Store]{
		{Name: "RoundTrip", Run: testRoundTrip},
		{Name: "NotFound", Run: testNotFound},
		{Name: "Conflict", Run: testConflict},
		{Name: "ByOwner", Run: testByOwner},
		{Name: "ByProduct", Run: testByProduct},
		{Name: "SetStatus", Run: testSetStatus},
		{Name: "Update", Run: testUpdate},
		{Name: "UpdateNotFound", Run: testUpdateNotFound},
		{Name: "UpdateConflict", Run: testUpdateConflict},
		{Name: "Keys", Run: testKeys},
		{Name: "UpdateKeyPrivate", Run: testUpdateKeyPrivate},
		{Name: "Version", Run: testVersion},
	})
}

// equate treats nil and empty lists alike: stores need not tell them apart.
var equate = cmpopts.EquateEmpty()

// license returns an active license with every field but the times set.
func license(id, owner string, created time.Time) licensing.License {
	return licensing.License{
		ID: id, KeyHash: "hash-" + id, KeyHint: "x" + id, Owner: owner,
		Product: "acme-db", Tier: "pro", Repositories: []string{"acme/db", "acme/db-tools"},
		Status: licensing.StatusActive, OrderID: "order-" + id, TermsVersion: 1, CreatedAt: created,
	}
}

func testRoundTrip(t *testing.T, s licensing.Store) {
	ctx := context.Background()
	every := license("l1", "u1", storetesting.T0)
	every.ExpiresAt, every.RevokedAt, every.Status = storetesting.T1, storetesting.T2, licensing.StatusRevoked
	every.Trial, every.Seats = true, 5
	every.Entitlement = licensing.Entitlement{Versions: ">=2.0.0 <3.0.0", TagPattern: "2.*", Perpetual: true}
	every.Quota = licensing.Quota{Pulls: 1000, Period: licensing.PerMonth}
	every.TermsVersion, every.TermsAcceptedAt = 4, storetesting.T1
	for _, tc := range []struct {
		name string
		in   licensing.License
	}{
		{"every field set", every},
		{"zero times", license("l2", "u1", time.Time{})},
		{"zero values", licensing.License{ID: "l3", KeyHash: "hash-l3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.CreateLicense(ctx, tc.in); err != nil {
				t.Fatalf("CreateLicense: %v", err)
			}
			byID, err := s.LicenseByID(ctx, tc.in.ID)
			if err != nil {
				t.Fatalf("LicenseByID: %v", err)
			}
			if diff := cmp.Diff(tc.in, byID, equate); diff != "" {
				t.Errorf("LicenseByID mismatch (-want +got):\n%s", diff)
			}
			byHash, err := s.LicenseByKeyHash(ctx, tc.in.KeyHash)
			if err != nil {
				t.Fatalf("LicenseByKeyHash: %v", err)
			}
			if diff := cmp.Diff(tc.in, byHash, equate); diff != "" {
				t.Errorf("LicenseByKeyHash mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func testNotFound(t *testing.T, s licensing.Store) {
	ctx := context.Background()
	mustCreate(t, s, license("l1", "u1", storetesting.T0))
	for _, tc := range []struct {
		name string
		get  func() (licensing.License, error)
	}{
		{"LicenseByID", func() (licensing.License, error) { return s.LicenseByID(ctx, "l2") }},
		{"LicenseByKeyHash", func() (licensing.License, error) { return s.LicenseByKeyHash(ctx, "hash-l2") }},
		{"LicenseByKeyHash of an ID", func() (licensing.License, error) { return s.LicenseByKeyHash(ctx, "l1") }},
		{"SetLicenseStatus", func() (licensing.License, error) {
			return s.SetLicenseStatus(ctx, "l2", licensing.StatusRevoked, storetesting.T1)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := tc.get()
			if !errors.Is(err, licensing.ErrNotFound) {
				t.Errorf("err = %v, want ErrNotFound", err)
			}
			if l.ID != "" {
				t.Errorf("license = %+v, want zero", l)
			}
		})
	}
}

func testConflict(t *testing.T, s licensing.Store) {
	ctx := context.Background()
	first := license("l1", "u1", storetesting.T0)
	mustCreate(t, s, first)
	sameID := license("l1", "u2", storetesting.T1)
	sameID.KeyHash = "hash-other"
	sameHash := license("l2", "u2", storetesting.T1)
	sameHash.KeyHash = first.KeyHash
	for _, tc := range []struct {
		name string
		l    licensing.License
	}{
		{"same ID", sameID},
		{"same key hash", sameHash},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.CreateLicense(ctx, tc.l); !errors.Is(err, licensing.ErrConflict) {
				t.Fatalf("err = %v, want ErrConflict", err)
			}
		})
	}
	if _, err := s.LicenseByID(ctx, "l2"); !errors.Is(err, licensing.ErrNotFound) {
		t.Errorf("rejected license was stored (LicenseByID err = %v)", err)
	}
	got, err := s.LicenseByID(ctx, "l1")
	if err != nil {
		t.Fatalf("LicenseByID: %v", err)
	}
	if diff := cmp.Diff(first, got, equate); diff != "" {
		t.Errorf("first license changed (-want +got):\n%s", diff)
	}
}

// mustCreate creates l and fails the test on error.
func mustCreate(t *testing.T, s licensing.Store, l licensing.License) {
	t.Helper()
	if err := s.CreateLicense(context.Background(), l); err != nil {
		t.Fatalf("CreateLicense(%s): %v", l.ID, err)
	}
}
