package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/berth/berth/publisher"
)

// testProfile: a publisher's description and logo tag round-trip, and its
// logo's bytes are stored apart, replaced by a new one, and missing
// before the first.
func testProfile(t *testing.T, s publisher.Store) {
	ctx := context.Background()
	p := mustPut(t, s, publisher.Publisher{Slug: "painted", Name: "Painted", Namespaces: []string{"painted"},
		Description: "We paint containers.", LogoTag: "abc123"})
	got := mustPublisher(t, s, "painted")
	if got.Description != "We paint containers." || got.LogoTag != "abc123" {
		t.Errorf("read back description %q, logo tag %q", got.Description, got.LogoTag)
	}
	if _, err := s.Logo(ctx, p.ID); !errors.Is(err, publisher.ErrNotFound) {
		t.Errorf("Logo before any: %v; want ErrNotFound", err)
	}
	for _, l := range []publisher.Logo{{Type: "image/png", Bytes: []byte("\x89PNG one")}, {Type: "image/jpeg", Bytes: []byte("\xff\xd8\xff two")}} {
		if err := s.PutLogo(ctx, p.ID, l); err != nil {
			t.Fatal(err)
		}
		back, err := s.Logo(ctx, p.ID)
		if err != nil || back.Type != l.Type || !bytes.Equal(back.Bytes, l.Bytes) {
			t.Errorf("Logo = %q %q, %v; want %q %q", back.Type, back.Bytes, err, l.Type, l.Bytes)
		}
	}
}
