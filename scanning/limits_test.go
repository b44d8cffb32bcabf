package scanning_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/berth/berth/scanning"
)

// TestCatalogueCap: layers whose uncompressed bytes pass the cap fail with
// a TooLargeError naming the cap, though their compressed size is far
// under it (zeros compress to almost nothing).
func TestCatalogueCap(t *testing.T) {
	zeros := bytes.Repeat([]byte{0}, 4<<20)
	img := image(t,
		layer(t, file{path: "etc/os-release", body: []byte(debianOSRelease)}),
		layer(t, file{path: "var/big", body: zeros}))
	const limit = 1 << 20
	_, err := scanning.Catalogue(context.Background(), img, scanning.Limits{MaxLayerBytes: limit})
	var tooLarge *scanning.TooLargeError
	if !errors.As(err, &tooLarge) || !errors.Is(err, scanning.ErrTooLarge) {
		t.Fatalf("Catalogue over the cap = %v; want a *TooLargeError", err)
	}
	if tooLarge.Limit != limit || tooLarge.Read <= limit {
		t.Errorf("TooLargeError = %+v; want Limit %d and Read past it", tooLarge, limit)
	}
	if _, err := scanning.Catalogue(context.Background(), img, scanning.Limits{MaxLayerBytes: 8 << 20}); err != nil {
		t.Errorf("Catalogue under the cap: %v", err)
	}
}

// TestCatalogueCanceled: a canceled context stops the scan with its error.
func TestCatalogueCanceled(t *testing.T) {
	img := image(t, layer(t, file{path: "var/big", body: bytes.Repeat([]byte{1}, 1<<20)}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := scanning.Catalogue(ctx, img, scanning.Limits{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Catalogue with a canceled context = %v; want context.Canceled", err)
	}
}
