package e2e

import (
	"context"
	"crypto"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/demo"
	"github.com/berth/berth/signing"
)

// TestFirstRunIsQuietAndReadyMeansPullable starts Berth as a newcomer's
// first `berth serve --demo` does, on an empty data directory, and checks
// that:
//   - when /readyz first answers 200, every demo image is in its
//     buyer-facing repository at its digest, carries Berth's signature,
//     and is in the catalog as signed: readiness does not lie;
//   - the whole run, shutdown included, logs no WARN or ERROR line.
//
// How long readiness takes is measured by BenchmarkColdStartDemo.
func TestFirstRunIsQuietAndReadyMeansPullable(t *testing.T) {
	cfg := config(t, backend{name: "sqlite"})
	start := time.Now()
	in := startWith(t, cfg, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), true)
	t.Logf("ready %s after server.New", time.Since(start).Round(time.Millisecond))

	ctx := context.Background()
	b := in.srv.Backend
	want, err := demo.Tags()
	if err != nil {
		t.Fatal(err)
	}
	berth := []crypto.PublicKey{b.Keys.CosignSigner().Public()}
	for ref, digest := range want {
		repo, tag, _ := strings.Cut(ref, ":")
		if got, err := b.Registry.Resolve(ctx, repo, tag); err != nil || got != digest {
			t.Errorf("%s at ready: the registry resolves it to %q (%v); want %s", ref, got, err, digest)
			continue
		}
		sigs, err := b.Registry.Signatures(ctx, repo, digest)
		if err != nil {
			t.Errorf("%s: reading its signatures: %v", ref, err)
		} else if _, err := signing.VerifyImage(sigs, digest, nil, berth); err != nil {
			t.Errorf("%s at ready: no signature of Berth's verifies: %v", ref, err)
		}
		if rec, err := b.Stores.Tags.Tag(ctx, repo, tag); err != nil || rec.Digest != digest || !rec.Signed {
			t.Errorf("%s at ready: the catalog has %+v (%v); want it signed at %s", ref, rec, err, digest)
		}
	}

	in.stop()
	for _, line := range in.log.lines(slog.LevelWarn) {
		t.Errorf("a first run logged: %s", line)
	}
}
