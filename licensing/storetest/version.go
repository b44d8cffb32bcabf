package storetest

import (
	"context"
	"testing"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
)

// testVersion checks that every change to a license moves the licenses'
// version, which the token server's license cache trusts to learn of
// revocations and rotated keys made by other instances; a read or a
// failed change need not.
func testVersion(t *testing.T, s licensing.Store) {
	ctx := context.Background()
	version := func() int64 {
		t.Helper()
		v, err := s.LicensesVersion(ctx)
		if err != nil {
			t.Fatalf("LicensesVersion: %v", err)
		}
		return v
	}
	l := license("l1", "u1", storetesting.T0)
	mustCreate(t, s, l)
	v0 := version()
	if _, err := s.LicenseByKeyHash(ctx, l.KeyHash); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != v0 {
		t.Errorf("a read moved the version from %d to %d", v0, v)
	}
	changes := []struct {
		name   string
		change func() error
	}{
		{"revoke", func() error {
			_, err := s.SetLicenseStatus(ctx, l.ID, licensing.StatusRevoked, storetesting.T1)
			return err
		}},
		{"reactivate", func() error {
			_, err := s.SetLicenseStatus(ctx, l.ID, licensing.StatusActive, storetesting.T1)
			return err
		}},
		{"rotate the key", func() error { l.KeyHash = "hash-rotated"; return s.UpdateLicense(ctx, l) }},
		{"change the seats", func() error { l.Seats = 3; return s.UpdateLicense(ctx, l) }},
		{"expire", func() error { l.ExpiresAt = storetesting.T1; return s.UpdateLicense(ctx, l) }},
	}
	prev := v0
	for _, c := range changes {
		if err := c.change(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if v := version(); v <= prev {
			t.Errorf("%s: version %d, not above %d", c.name, v, prev)
		} else {
			prev = v
		}
	}
}
