package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/berth/berth/licensing"
	"github.com/berth/berth/server"
)

// serveInProcess runs Berth on dir on free loopback ports until the test
// ends, and returns the registry's host:port once /readyz answers 200.
func serveInProcess(t *testing.T, dir string) string {
	t.Helper()
	cfg := server.Defaults()
	cfg.Addr, cfg.RegistryAddr, cfg.DataDir, cfg.LogLevel = "localhost:0", "localhost:0", dir, "warn"
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := server.New(ctx, cfg, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		cancel()
		t.Fatalf("starting berth: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("berth stopped with %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("berth did not stop within 20s")
		}
	})
	checkEndpoints(t, srv.PublicURL)
	return strings.TrimPrefix(srv.RegistryURL, "http://")
}

// pull fetches repo:latest's manifest and first layer from registry with
// key as the password.
func pull(t *testing.T, registry, repo, key string) error {
	t.Helper()
	ref, err := name.ParseReference(registry+"/"+repo+":latest", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(ref, remote.WithAuth(&authn.Basic{Username: "x", Password: key}))
	if err != nil {
		return err
	}
	layers, err := img.Layers()
	if err != nil || len(layers) == 0 {
		t.Fatalf("%s has %d layers (%v)", repo, len(layers), err)
	}
	rc, err := layers[0].Compressed()
	if err != nil {
		return err
	}
	return rc.Close()
}

// TestGrantedLicensePulls proves that a key from `berth license grant`
// pulls the tier's repository from a running server, and that
// `berth license revoke`, run beside that server, stops it.
func TestGrantedLicensePulls(t *testing.T) {
	dir := seededDir(t)
	product, tier, repo := paidTier(t)
	id, key := grant(t, dir, product, tier)
	registry := serveInProcess(t, dir)

	if err := pull(t, registry, repo, key); err != nil {
		t.Fatalf("pulling %s with a granted key: %v", repo, err)
	}
	unknown := licensing.KeyPrefix + strings.Repeat("a", len(key)-len(licensing.KeyPrefix))
	if err := pull(t, registry, repo, unknown); !hasStatus(err, http.StatusUnauthorized) {
		t.Errorf("pulling %s with an unknown key: %v; want 401", repo, err)
	}
	mustCLI(t, dir, "", "license", "revoke", id)
	if err := pull(t, registry, repo, key); !hasStatus(err, http.StatusUnauthorized) {
		t.Errorf("pulling %s with a revoked key: %v; want 401", repo, err)
	}
}

// hasStatus reports whether err is a registry answer with that HTTP status.
func hasStatus(err error, status int) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == status
}
