package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth/berth/internal/kek"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/server"
)

// TestRotateKEKSealsBuildKeys: `berth keys rotate-kek` seals publishers'
// Berth-held build keys with the new KEK too, so that they still open once
// the previous KEK is gone.
func TestRotateKEKSealsBuildKeys(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"BERTH_DATA_DIR": dir}
	ctx := context.Background()
	cfg := server.Defaults()
	cfg.DataDir = dir
	b, err := server.OpenBackend(ctx, cfg, "registry", "", "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("opening the backend: %v", err)
	}
	p, err := b.Stores.Publishers.PutPublisher(ctx, publisher.Publisher{Slug: "acme", Name: "Acme", Namespaces: []string{"acme"},
		Status: publisher.StatusApproved})
	if err != nil {
		t.Fatal(err)
	}
	key, err := publisher.NewBuildKeys(b.Stores.Publishers, b.Sealer, nil, "").Enable(ctx, "u1", "acme")
	if err != nil {
		t.Fatalf("enabling the build key: %v", err)
	}
	b.Close(ctx)

	out, err := cliEnv(t, env, "keys", "rotate-kek")
	if err != nil || !strings.Contains(out, "sealed 4 private keys") {
		t.Fatalf("rotate-kek: %v\n%s", err, out)
	}
	newKEK := readKEK(t, filepath.Join(dir, "berth.kek"))
	b, err = server.OpenBackend(ctx, cfg, "registry", "", "", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("opening the backend after rotating: %v", err)
	}
	defer b.Close(ctx)
	keys, err := b.Stores.Publishers.Keys(ctx, p.ID)
	if err != nil || len(keys) != 1 || keys[0].ID != key.ID {
		t.Fatalf("keys after rotating: %+v, %v", keys, err)
	}
	if id, _ := kek.SealedBy(keys[0].Sealed); id != newKEK.ID() {
		t.Errorf("the build key is sealed by %q after rotating; want %s", id, newKEK.ID())
	}
	if _, err := publisher.NewBuildKeys(b.Stores.Publishers, kek.NewRing(newKEK), nil, "").SealStored(ctx); err != nil {
		t.Errorf("the build key does not open with the new KEK alone: %v", err)
	}
}
