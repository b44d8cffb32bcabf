package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/server"
)

// TestRegistryGC: an image its owner deleted keeps its blobs on disk until
// `berth registry gc`, run with Berth stopped, removes exactly them: its
// manifest, config and three layers, and nothing the demo still uses.
func TestRegistryGC(t *testing.T) {
	dir := seededDir(t)
	cfg := server.Defaults()
	cfg.Addr, cfg.RegistryAddr, cfg.DataDir, cfg.LogLevel = "localhost:0", "localhost:0", dir, "warn"
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, cfg, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	host := strings.TrimPrefix(srv.RegistryURL, "http://")
	auth := remote.WithAuth(&authn.Basic{Username: "alice", Password: "s3cret-passw0rd"})
	img, err := random.Image(1024, 3)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.ParseReference(host+"/alice/junk:v1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if err = remote.Write(ref, img, auth); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("pushing: %v", err)
	}
	digest, _ := img.Digest()
	byDigest, _ := name.ParseReference(fmt.Sprintf("%s/alice/junk@%s", host, digest), name.Insecure)
	if err := remote.Delete(byDigest, auth); err != nil {
		t.Fatalf("deleting the manifest: %v", err)
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("stopping: %v", err)
	}

	out := mustCLI(t, dir, "", "registry", "gc")
	var removed, before int
	if _, err := fmt.Sscanf(out, "removed %d of %d blobs", &removed, &before); err != nil || removed != 5 {
		t.Errorf("berth registry gc said %q; want 5 blobs removed (manifest, config, 3 layers)", out)
	}
	if out := mustCLI(t, dir, "", "registry", "gc"); !strings.HasPrefix(out, "removed 0 of ") {
		t.Errorf("a second gc said %q; want nothing left to remove", out)
	}
}
