package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/berth/berth/server"
)

// fakeS3 serves an in-memory S3 on a loopback port with one bucket, and
// returns its endpoint URL and its backend (to look inside the bucket
// without going through Berth).
func fakeS3(t *testing.T, bucket string) (string, *s3mem.Backend) {
	t.Helper()
	store := s3mem.New()
	if err := store.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: gofakes3.New(store, gofakes3.WithLogger(gofakes3.DiscardLog())).Server()}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String(), store
}

// TestS3RegistryStorage runs the embedded registry on S3 storage named by
// BERTH_REGISTRY_CONFIG (a distribution config.yml), against an in-process
// S3 server: a multi-layer image pushed through Berth is stored in the
// bucket and pulls back byte-identical, with distribution's redirects off
// (Berth streams the blobs) and on (blob reads answer 307 to the object
// store, and the client fetches from there).
func TestS3RegistryStorage(t *testing.T) {
	for _, redirect := range []bool{false, true} {
		t.Run(fmt.Sprintf("redirect=%v", redirect), func(t *testing.T) {
			endpoint, store := fakeS3(t, "berth-registry")
			cfg := config(t, backend{name: "sqlite"})
			cfg.Demo = false
			cfg.RegistryConfig = filepath.Join(t.TempDir(), "config.yml")
			yml := fmt.Sprintf(`version: 0.1
storage:
  s3:
    region: us-east-1
    bucket: berth-registry
    regionendpoint: %s
    forcepathstyle: true
    secure: false
    accesskey: berth
    secretkey: berth-secret
    rootdirectory: /berth
  redirect:
    disable: %v
`, endpoint, !redirect)
			if err := os.WriteFile(cfg.RegistryConfig, []byte(yml), 0o600); err != nil {
				t.Fatal(err)
			}
			in := start(t, cfg)
			if got := in.call("POST", "/api/v1/users", "", "", map[string]string{"username": "alice", "email": "alice@example.com", "password": "s3cret-passw0rd"}, nil); got != http.StatusCreated {
				t.Fatalf("sign-up: status %d", got)
			}
			auth := remote.WithAuth(&authn.Basic{Username: "alice", Password: "s3cret-passw0rd"})
			ref, err := name.NewTag(in.Registry+"/alice/app:1.0", name.Insecure)
			if err != nil {
				t.Fatal(err)
			}
			img, err := random.Image(256<<10, 4)
			if err != nil {
				t.Fatal(err)
			}
			if err := remote.Write(ref, img, auth); err != nil {
				t.Fatalf("push: %v", err)
			}
			layers, err := img.Layers()
			if err != nil {
				t.Fatal(err)
			}

			// In the bucket, under the configured root: each layer's data.
			list, err := store.ListBucket("berth-registry", &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, c := range list.Contents {
				keys = append(keys, c.Key)
			}
			all := strings.Join(keys, "\n")
			for i, l := range layers {
				d, _ := l.Digest()
				want := "berth/docker/registry/v2/blobs/sha256/" + d.Hex[:2] + "/" + d.Hex + "/data"
				if !strings.Contains(all, want) {
					t.Errorf("layer %d: no object %s in the bucket; it holds:\n%s", i, want, all)
				}
			}

			// Pulled back: the same manifest, and every layer byte for byte,
			// checked against sha256 computed here over what was pushed.
			pulled, err := remote.Image(ref, auth)
			if err != nil {
				t.Fatalf("pull: %v", err)
			}
			if got, want := sha256Of(t, pulled.RawManifest), sha256Of(t, img.RawManifest); got != want {
				t.Errorf("manifest %s, want %s", got, want)
			}
			token := issueRaw(t, in, "alice", "s3cret-passw0rd", "repository:alice/app:pull")
			noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			for i, l := range layers {
				rc, err := l.Compressed()
				if err != nil {
					t.Fatal(err)
				}
				pushed, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Fatal(err)
				}
				d, _ := l.Digest()
				req, _ := http.NewRequest(http.MethodGet, "http://"+in.Registry+"/v2/alice/app/blobs/"+d.String(), nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := noFollow.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if redirect {
					loc, _ := url.Parse(resp.Header.Get("Location"))
					if resp.StatusCode != http.StatusTemporaryRedirect || loc == nil || "http://"+loc.Host != endpoint {
						t.Fatalf("layer %d: status %d Location %q, want 307 to the object store %s", i, resp.StatusCode, resp.Header.Get("Location"), endpoint)
					}
					// The client follows without Berth's token (another host).
					resp, err = http.Get(loc.String())
					if err != nil {
						t.Fatal(err)
					}
					body, _ = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("layer %d: status %d", i, resp.StatusCode)
				}
				sum := sha256.Sum256(body)
				if !bytes.Equal(body, pushed) || "sha256:"+hex.EncodeToString(sum[:]) != d.String() {
					t.Errorf("layer %d: pulled %d bytes (sha256:%x), pushed %d bytes (%s)", i, len(body), sum, len(pushed), d)
				}
			}
		})
	}
}

// sha256Of is the sha256 of raw manifest bytes, computed here.
func sha256Of(t *testing.T, raw func() ([]byte, error)) string {
	t.Helper()
	b, err := raw()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestRegistryConfigRefused: a BERTH_REGISTRY_CONFIG that cannot be used
// stops Berth at start with the variable named, before anything is
// stored; and it cannot be combined with an external registry.
func TestRegistryConfigRefused(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct{ name, path, registryURL, want string }{
		{"missing file", filepath.Join(dir, "absent.yml"), "", "BERTH_REGISTRY_CONFIG"},
		{"not yaml", write("bad.yml", "version: 0.1\nstorage: [\n"), "", "BERTH_REGISTRY_CONFIG"},
		{"no driver", write("empty.yml", "version: 0.1\nstorage:\n  delete:\n    enabled: true\n"), "", "BERTH_REGISTRY_CONFIG"},
		{"unknown driver", write("odd.yml", "version: 0.1\nstorage:\n  floppy:\n    drive: a\n"), "", "floppy"},
		{"external registry", write("fs.yml", "version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /tmp/x\n"), "http://localhost:5999", "BERTH_REGISTRY_CONFIG"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := config(t, backend{name: "sqlite"})
			cfg.RegistryConfig, cfg.RegistryURL = c.path, c.registryURL
			if c.registryURL != "" {
				cfg.NotifySecret = "a-notification-secret-of-length"
			}
			err := cfg.Validate()
			if err == nil {
				ctx, cancel := context.WithCancel(context.Background())
				var srv *server.Server
				if srv, err = server.New(ctx, cfg, slog.New(slog.DiscardHandler)); err == nil {
					cancel()
					_ = srv.Run(ctx)
				}
				cancel()
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error naming %s", err, c.want)
			}
		})
	}
}
