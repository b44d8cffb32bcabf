package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
)

func testKeys(t *testing.T, s licensing.Store) {
	ctx := context.Background()
	if got, err := s.Keys(ctx); err != nil || len(got) != 0 {
		t.Fatalf("Keys of an empty store = %v, %v; want none", got, err)
	}
	binary := []byte{0x30, 0x82, 0x00, 0xff, 0x00, 0x01}
	keys := []licensing.Key{
		{ID: "k3", Kind: licensing.KeySigning, PrivateDER: binary, CertDER: []byte("cert-3"), CreatedAt: storetesting.T2},
		{ID: "k1", Kind: licensing.KeyRoot, PrivateDER: []byte("priv-1"), CertDER: []byte("cert-1"), CreatedAt: storetesting.T0, RetiredAt: storetesting.T2},
		{ID: "k2", Kind: licensing.KeySigning, PrivateDER: []byte("priv-2"), CertDER: binary, CreatedAt: storetesting.T1},
		{ID: "k0", Kind: licensing.KeySigning, CreatedAt: storetesting.T1.Add(-time.Nanosecond)},
	}
	for _, k := range keys {
		if err := s.AddKey(ctx, k); err != nil {
			t.Fatalf("AddKey(%s): %v", k.ID, err)
		}
	}
	got, err := s.Keys(ctx)
	if err != nil {
		t.Fatalf("Keys: %v", err)
	}
	want := []licensing.Key{keys[1], keys[3], keys[2], keys[0]}
	if diff := cmp.Diff(want, got, equate); diff != "" {
		t.Errorf("Keys mismatch (-want +got):\n%s", diff)
	}

	t.Run("duplicate ID", func(t *testing.T) {
		dup := licensing.Key{ID: "k2", Kind: licensing.KeyRoot, CreatedAt: storetesting.T0}
		if err := s.AddKey(ctx, dup); !errors.Is(err, licensing.ErrConflict) {
			t.Fatalf("err = %v, want ErrConflict", err)
		}
		got, err := s.Keys(ctx)
		if err != nil {
			t.Fatalf("Keys: %v", err)
		}
		if diff := cmp.Diff(want, got, equate); diff != "" {
			t.Errorf("Keys changed (-want +got):\n%s", diff)
		}
	})
}

func testUpdateKeyPrivate(t *testing.T, s licensing.Store) {
	ctx := context.Background()
	keys := []licensing.Key{
		{ID: "k1", Kind: licensing.KeyRoot, PrivateDER: []byte{0x30, 0x01, 0x00}, CertDER: []byte("cert-1"), CreatedAt: storetesting.T0},
		{ID: "k2", Kind: licensing.KeySigning, PrivateDER: []byte("priv-2"), CertDER: []byte("cert-2"), CreatedAt: storetesting.T1},
	}
	for _, k := range keys {
		if err := s.AddKey(ctx, k); err != nil {
			t.Fatalf("AddKey(%s): %v", k.ID, err)
		}
	}
	sealed := []byte{'B', 'K', 0x00, 0xff, 0x01}
	if err := s.UpdateKeyPrivate(ctx, "k1", keys[0].PrivateDER, sealed); err != nil {
		t.Fatalf("UpdateKeyPrivate: %v", err)
	}
	want := []licensing.Key{keys[0], keys[1]}
	want[0].PrivateDER = sealed
	for _, tc := range []struct {
		name     string
		id       string
		from, to []byte
		err      error
	}{
		{"from is no longer stored", "k1", keys[0].PrivateDER, []byte("other"), licensing.ErrConflict},
		{"from is another key's", "k2", sealed, []byte("other"), licensing.ErrConflict},
		{"no such key", "k9", keys[1].PrivateDER, []byte("other"), licensing.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.UpdateKeyPrivate(ctx, tc.id, tc.from, tc.to); !errors.Is(err, tc.err) {
				t.Errorf("err = %v, want %v", err, tc.err)
			}
		})
	}
	got, err := s.Keys(ctx)
	if err != nil {
		t.Fatalf("Keys: %v", err)
	}
	if diff := cmp.Diff(want, got, equate); diff != "" {
		t.Errorf("Keys after updates (-want +got):\n%s", diff)
	}
}
