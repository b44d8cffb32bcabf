package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// registryClients are the real client binaries TestRealClients runs;
// scripts/test installs them (crane, oras and regctl with go install,
// skopeo and podman from Debian).
var registryClients = []string{"crane", "skopeo", "oras", "regctl", "podman"}

// needClients skips the test when one of the binaries is not installed.
func needClients(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("%s is not installed (scripts/test installs it): %v", n, err)
		}
	}
}

// clientHome is one user's machine for the registry clients: a home,
// configuration and auth files of its own, so that a login stays within
// it and never touches the real ~/.docker or containers auth, and
// podman's storage (vfs) in a temporary root.
type clientHome struct {
	t       *testing.T
	dir     string
	runroot string // podman's, short: it refuses one longer than 50 characters
}

func newClientHome(t *testing.T) clientHome {
	t.Helper()
	dir := t.TempDir()
	must(t, os.Mkdir(filepath.Join(dir, "run"), 0o700))
	runroot, err := os.MkdirTemp("", "podrun")
	must(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(runroot) })
	return clientHome{t: t, dir: dir, runroot: runroot}
}

// path names a file or directory in the home.
func (h clientHome) path(name string) string { return filepath.Join(h.dir, name) }

// run runs a client binary with stdin as its input, and returns what it
// printed, both streams.
func (h clientHome) run(stdin, name string, args ...string) (string, error) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if name == "podman" {
		args = append([]string{"--root", h.path("podman-root"), "--runroot", h.runroot, "--storage-driver", "vfs"}, args...)
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "HOME="+h.dir, "XDG_CONFIG_HOME="+h.path(".config"), "XDG_DATA_HOME="+h.path(".local"),
		"XDG_RUNTIME_DIR="+h.path("run"), "DOCKER_CONFIG="+h.path(".docker"), "REGISTRY_AUTH_FILE="+h.path("auth.json"),
		"REGCTL_CONFIG="+h.path("regctl.json"), "TMPDIR="+h.path("run"))
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// must runs a client that has to succeed, and returns what it printed.
func (h clientHome) must(stdin, name string, args ...string) string {
	h.t.Helper()
	out, err := h.run(stdin, name, args...)
	if err != nil {
		h.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// login logs client in to registry as user with password, the way its
// documentation says, the password on stdin.
func (h clientHome) login(client, registry, user, password string) {
	h.t.Helper()
	switch client {
	case "crane":
		h.must(password, "crane", "auth", "login", registry, "-u", user, "--password-stdin")
	case "oras":
		h.must(password, "oras", "login", "--plain-http", registry, "-u", user, "--password-stdin")
	case "regctl":
		h.must("", "regctl", "registry", "set", registry, "--tls", "disabled")
		h.must(password, "regctl", "registry", "login", registry, "-u", user, "--pass-stdin")
	case "skopeo", "podman":
		h.must(password, client, "login", "--tls-verify=false", registry, "-u", user, "--password-stdin")
	default:
		h.t.Fatalf("no login for %s", client)
	}
}

// wantContent is an image's manifest, config and layer digests, and its
// layers' diff IDs, computed by go-containerregistry from the image the
// test pushed, not by Berth.
type wantContent struct {
	manifest string
	blobs    []string // config, then layers
	diffIDs  []string
}

func contentOf(t *testing.T, img v1.Image) wantContent {
	t.Helper()
	m, err := img.Manifest()
	must(t, err)
	cf, err := img.ConfigFile()
	must(t, err)
	w := wantContent{manifest: digestOf(t, img), blobs: []string{m.Config.Digest.String()}}
	for _, l := range m.Layers {
		w.blobs = append(w.blobs, l.Digest.String())
	}
	for _, d := range cf.RootFS.DiffIDs {
		w.diffIDs = append(w.diffIDs, d.String())
	}
	return w
}

// sha256File is the digest of a file's bytes.
func sha256File(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// checkBlobs checks that the manifest at path hashes to want's digest and
// names want's config and layers, and that blob(d) holds each of those
// blobs' exact bytes.
func (w wantContent) checkBlobs(t *testing.T, client, path string, blob func(digest string) string) {
	t.Helper()
	if got := sha256File(t, path); got != w.manifest {
		t.Errorf("%s pulled a manifest of digest %s, want %s", client, got, w.manifest)
		return
	}
	raw, err := os.ReadFile(path)
	must(t, err)
	var m v1.Manifest
	must(t, json.Unmarshal(raw, &m))
	named := []string{m.Config.Digest.String()}
	for _, l := range m.Layers {
		named = append(named, l.Digest.String())
	}
	if !slices.Equal(named, w.blobs) {
		t.Errorf("%s: the manifest names %v, want %v", client, named, w.blobs)
	}
	for _, d := range w.blobs {
		if got := sha256File(t, blob(d)); got != d {
			t.Errorf("%s: blob %s holds content of digest %s", client, d, got)
		}
	}
}

// checkLayout checks an OCI image layout a client wrote: its index names
// the image's manifest, and its blobs are the image's.
func (w wantContent) checkLayout(t *testing.T, client, dir string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Errorf("%s wrote no OCI layout: %v", client, err)
		return
	}
	var idx v1.IndexManifest
	must(t, json.Unmarshal(raw, &idx))
	if len(idx.Manifests) != 1 || idx.Manifests[0].Digest.String() != w.manifest {
		t.Errorf("%s: the layout's index names %+v, want the one manifest %s", client, idx.Manifests, w.manifest)
		return
	}
	blob := func(d string) string { return filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(d, "sha256:")) }
	w.checkBlobs(t, client, blob(w.manifest), blob)
}

// manifestDigest GETs repo's manifest ref with token and returns the
// digest of the body, or "" on 404. It hashes the bytes itself rather
// than trusting the registry's Docker-Content-Digest.
func manifestDigest(t *testing.T, registry, repo, ref, token string) string {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+registry+"/v2/"+repo+"/manifests/"+ref, nil)
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotFound:
		return ""
	case http.StatusOK:
		d, _, err := v1.SHA256(resp.Body)
		must(t, err)
		return d.String()
	}
	t.Fatalf("GET %s/manifests/%s: %d", repo, ref, resp.StatusCode)
	return ""
}

// tagList lists repo's tags through the registry API; a repository with
// none answers 404 or an empty list.
func tagList(t *testing.T, registry, repo, token string) []string {
	t.Helper()
	req, err := http.NewRequest("GET", "http://"+registry+"/v2/"+repo+"/tags/list", nil)
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	var list struct{ Tags []string }
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&list) != nil {
		t.Fatalf("GET %s/tags/list: %d", repo, resp.StatusCode)
	}
	return list.Tags
}
