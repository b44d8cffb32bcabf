package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/publisher"
)

func testKeys(t *testing.T, s publisher.Store) {
	ctx := context.Background()
	laptop := publisher.Key{ID: "fp1", Publisher: "p1", Name: "laptop", PEM: "pem-1", CreatedBy: "u1", CreatedAt: storetesting.T1}
	ci := publisher.Key{ID: "fp2", Publisher: "p1", Name: "ci", PEM: "pem-2", CreatedAt: storetesting.T0}
	other := publisher.Key{ID: "fp1", Publisher: "p2", Name: "same key, other publisher", PEM: "pem-1",
		CreatedAt: storetesting.T2}
	old := publisher.Key{ID: "fp3", Publisher: "p3", Name: "old", PEM: "pem-3",
		CreatedAt: storetesting.T0, RevokedAt: storetesting.T1}
	for _, k := range []publisher.Key{laptop, ci, other, old} {
		if err := s.AddKey(ctx, k); err != nil {
			t.Fatalf("AddKey(%s of %s): %v", k.ID, k.Publisher, err)
		}
	}
	check := func(t *testing.T, publisherID string, want ...publisher.Key) {
		t.Helper()
		got, err := s.Keys(ctx, publisherID)
		if err != nil {
			t.Fatalf("Keys(%s): %v", publisherID, err)
		}
		if diff := cmp.Diff(want, got, equate); diff != "" {
			t.Errorf("Keys(%s) (-want +got):\n%s", publisherID, diff)
		}
	}
	t.Run("oldest first, per publisher", func(t *testing.T) {
		check(t, "p1", ci, laptop)
		check(t, "p2", other)
		check(t, "p3", old)
		check(t, "p4")
	})
	t.Run("same ID for the same publisher conflicts", func(t *testing.T) {
		again := laptop
		again.Name, again.PEM = "replacement", "pem-9"
		if err := s.AddKey(ctx, again); !errors.Is(err, publisher.ErrConflict) {
			t.Errorf("AddKey of a stored ID: err = %v, want ErrConflict", err)
		}
		check(t, "p1", ci, laptop)
	})
	t.Run("revoke", func(t *testing.T) {
		if err := s.RevokeKey(ctx, "p1", "fp1", storetesting.T2); err != nil {
			t.Fatalf("RevokeKey: %v", err)
		}
		revoked := laptop
		revoked.RevokedAt = storetesting.T2
		check(t, "p1", ci, revoked)
		check(t, "p2", other)
	})
	t.Run("Berth-held keys keep their sealed private half", func(t *testing.T) {
		build := publisher.Key{ID: "fp4", Publisher: "p5", Name: publisher.BuildKeyName, PEM: "pem-4", CreatedBy: "u1",
			CreatedAt: storetesting.T1, BerthHeld: true, Sealed: []byte("BKEK\x01 sealed \x00 bytes")}
		own := publisher.Key{ID: "fp5", Publisher: "p5", Name: "own", PEM: "pem-5", CreatedAt: storetesting.T2}
		for _, k := range []publisher.Key{build, own} {
			if err := s.AddKey(ctx, k); err != nil {
				t.Fatalf("AddKey(%s): %v", k.ID, err)
			}
		}
		check(t, "p5", build, own)
		if err := s.RevokeKey(ctx, "p5", "fp4", storetesting.T2); err != nil {
			t.Fatalf("RevokeKey: %v", err)
		}
		build.RevokedAt = storetesting.T2
		check(t, "p5", build, own)
		held, err := s.BerthHeldKeys(ctx)
		if err != nil {
			t.Fatalf("BerthHeldKeys: %v", err)
		}
		if diff := cmp.Diff([]publisher.Key{build}, held, equate); diff != "" {
			t.Errorf("BerthHeldKeys (-want +got):\n%s", diff)
		}
		resealed := []byte("BKEK\x01 sealed again")
		if err := s.ResealKey(ctx, "p5", "fp4", []byte("not what is stored"), resealed); !errors.Is(err, publisher.ErrConflict) {
			t.Errorf("ResealKey from a stale value: err = %v, want ErrConflict", err)
		}
		if err := s.ResealKey(ctx, "p5", "fp9", build.Sealed, resealed); !errors.Is(err, publisher.ErrNotFound) {
			t.Errorf("ResealKey of an unknown key: err = %v, want ErrNotFound", err)
		}
		check(t, "p5", build, own)
		if err := s.ResealKey(ctx, "p5", "fp4", build.Sealed, resealed); err != nil {
			t.Fatalf("ResealKey: %v", err)
		}
		build.Sealed = resealed
		check(t, "p5", build, own)
	})
	t.Run("revoking an unknown key", func(t *testing.T) {
		for _, k := range [][2]string{{"p1", "fp9"}, {"p4", "fp1"}, {"p2", "fp2"}} {
			if err := s.RevokeKey(ctx, k[0], k[1], storetesting.T2); !errors.Is(err, publisher.ErrNotFound) {
				t.Errorf("RevokeKey(%s, %s): err = %v, want ErrNotFound", k[0], k[1], err)
			}
		}
		check(t, "p2", other)
	})
}
