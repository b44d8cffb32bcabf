package e2e

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// TestDockerPushWithAccessToken pushes with the Docker Engine, logged in
// with a read-write personal access token: an image loaded into the Engine
// (nothing can be pulled from outside) is pushed to the user's own
// repository, and the registry then holds it, layer for layer. A
// read-only token's push is refused.
func TestDockerPushWithAccessToken(t *testing.T) {
	needDocker(t)
	cfg := config(t, backend{name: "sqlite"})
	cfg.Demo = false
	in := start(t, cfg)
	if got := in.call("POST", "/api/v1/users", "", "", map[string]string{"username": "dora", "email": "dora@example.com", "password": "dora-password"}, nil); got != http.StatusCreated {
		t.Fatalf("sign-up: %d", got)
	}
	token := func(access string) string {
		var created struct{ Secret string }
		if s := in.call("POST", "/api/v1/user/tokens", "dora", "dora-password", map[string]any{"name": "docker " + access, "access": access}, &created); s != http.StatusCreated {
			t.Fatalf("creating a %s token: %d", access, s)
		}
		return created.Secret
	}

	img, err := random.Image(128<<10, 3)
	must(t, err)
	ref := in.Registry + "/dora/app:1.0"
	tag, err := name.NewTag(ref, name.Insecure)
	must(t, err)
	archive := filepath.Join(t.TempDir(), "app.tar")
	must(t, tarball.WriteToFile(archive, tag, img))
	engine := t.TempDir()
	if got, err := docker(t, engine, "", "load", "-i", archive); err != nil {
		t.Fatalf("docker load: %v\n%s", err, got)
	}
	t.Cleanup(func() { _, _ = docker(t, engine, "", "rmi", "--force", ref) })

	// Read-only: the Engine's push is refused.
	if got, err := docker(t, engine, token("read"), "login", in.Registry, "-u", "dora", "--password-stdin"); err != nil {
		t.Fatalf("docker login with a read-only token: %v\n%s", err, got)
	}
	if got, err := docker(t, engine, "", "push", ref); err == nil || !strings.Contains(strings.ToLower(got), "denied") && !strings.Contains(strings.ToLower(got), "unauthorized") {
		t.Errorf("docker push with a read-only token: %v, want refused as unauthorized:\n%s", err, got)
	}

	if got, err := docker(t, engine, token("read-write"), "login", in.Registry, "-u", "dora", "--password-stdin"); err != nil {
		t.Fatalf("docker login with a read-write token: %v\n%s", err, got)
	}
	if got, err := docker(t, engine, "", "push", ref); err != nil {
		t.Fatalf("docker push with a read-write token: %v\n%s", err, got)
	}

	// What the registry holds: the same layers by content (the Engine may
	// compress them anew, so compare uncompressed digests).
	pushed, err := remote.Image(tag, remote.WithAuth(&authn.Basic{Username: "dora", Password: "dora-password"}))
	must(t, err)
	want, err := img.ConfigFile()
	must(t, err)
	got, err := pushed.ConfigFile()
	must(t, err)
	if len(got.RootFS.DiffIDs) != len(want.RootFS.DiffIDs) {
		t.Fatalf("pushed %d layers, want %d", len(got.RootFS.DiffIDs), len(want.RootFS.DiffIDs))
	}
	layers, err := pushed.Layers()
	must(t, err)
	for i, l := range layers {
		rc, err := l.Uncompressed()
		must(t, err)
		body, err := io.ReadAll(rc)
		rc.Close()
		must(t, err)
		sum := sha256Hex(body)
		if sum != want.RootFS.DiffIDs[i].String() {
			t.Errorf("layer %d: uncompressed %s, want %s", i, sum, want.RootFS.DiffIDs[i])
		}
	}
}
