package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
)

func testByOwner(t *testing.T, s licensing.Store) {
	ctx := context.Background()
	for _, l := range []licensing.License{
		license("a", "u1", storetesting.T1),
		license("b", "u2", storetesting.T2),
		license("c", "u1", storetesting.T2),
		license("d", "u1", storetesting.T0),
		license("e", "u1", storetesting.T1.Add(time.Nanosecond)),
	} {
		mustCreate(t, s, l)
	}
	for _, tc := range []struct {
		owner string
		want  []string
	}{
		{"u1", []string{"c", "e", "a", "d"}},
		{"u2", []string{"b"}},
		{"u3", nil},
	} {
		t.Run(tc.owner, func(t *testing.T) {
			got, err := s.LicensesByOwner(ctx, tc.owner)
			if err != nil {
				t.Fatalf("LicensesByOwner: %v", err)
			}
			var ids []string
			for _, l := range got {
				ids = append(ids, l.ID)
				if diff := cmp.Diff(mustLicense(t, s, l.ID), l, equate); diff != "" {
					t.Errorf("listed %s differs from LicenseByID (-want +got):\n%s", l.ID, diff)
				}
			}
			if diff := cmp.Diff(tc.want, ids); diff != "" {
				t.Errorf("IDs mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func testSetStatus(t *testing.T, s licensing.Store) {
	ctx := context.Background()
	orig := license("l1", "u1", storetesting.T0)
	orig.ExpiresAt = storetesting.T2
	mustCreate(t, s, orig)
	mustCreate(t, s, license("l2", "u1", storetesting.T0))

	// Each step applies to the license as the previous step left it.
	want := orig
	for _, tc := range []struct {
		name        string
		status      licensing.Status
		at          time.Time
		wantRevoked time.Time
	}{
		{"suspend", licensing.StatusSuspended, storetesting.T1, time.Time{}},
		{"reactivate", licensing.StatusActive, storetesting.T1, time.Time{}},
		{"revoke", licensing.StatusRevoked, storetesting.T1, storetesting.T1},
		{"expire keeps RevokedAt", licensing.StatusExpired, storetesting.T2, storetesting.T1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want.Status, want.RevokedAt = tc.status, tc.wantRevoked
			got, err := s.SetLicenseStatus(ctx, "l1", tc.status, tc.at)
			if err != nil {
				t.Fatalf("SetLicenseStatus: %v", err)
			}
			if diff := cmp.Diff(want, got, equate); diff != "" {
				t.Errorf("SetLicenseStatus result mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want, mustLicense(t, s, "l1"), equate); diff != "" {
				t.Errorf("stored license mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if diff := cmp.Diff(license("l2", "u1", storetesting.T0), mustLicense(t, s, "l2"), equate); diff != "" {
		t.Errorf("other license changed (-want +got):\n%s", diff)
	}
}

// mustLicense reads license id and fails the test on error.
func mustLicense(t *testing.T, s licensing.Store, id string) licensing.License {
	t.Helper()
	l, err := s.LicenseByID(context.Background(), id)
	if err != nil {
		t.Fatalf("LicenseByID(%s): %v", id, err)
	}
	return l
}
