package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/licensing"
)

// TestTwoInstances runs two Berth processes' worth of servers, A and B, as
// a load balancer would have them: one MongoDB (the in-process FerretDB),
// one S3 bucket for the registry (in-process gofakes3), one key-encryption
// key, one token audience. A buyer takes a license on A and pulls through
// B; a revocation on B refuses A's next token at once; a signing key
// rotated on A signs tokens B's registry accepts.
func TestTwoInstances(t *testing.T) {
	endpoint, _ := fakeS3(t, "berth-shared")
	yml := filepath.Join(t.TempDir(), "registry.yml")
	must(t, os.WriteFile(yml, []byte(fmt.Sprintf(`version: 0.1
storage:
  s3:
    region: us-east-1
    bucket: berth-shared
    regionendpoint: %s
    forcepathstyle: true
    secure: false
    accesskey: berth
    secretkey: berth-secret
  redirect:
    disable: true
`, endpoint)), 0o600))

	cfg := clusterConfig(t)
	cfg.RegistryConfig = yml
	a, b := startPair(t, cfg)
	ctx := context.Background()

	// A product with a free tier, and an image pushed through A's registry.
	putFreeProduct(t, a, "shared-app", "Shared App", "shared/app")
	tok, err := a.srv.Backend.Tokens.Sign(licensing.InternalSubject+"e2e", []licensing.Access{{Type: "repository", Name: "shared/app", Actions: []string{"pull", "push"}}})
	must(t, err)
	img, err := random.Image(64<<10, 3)
	must(t, err)
	onA, err := name.NewTag(a.Registry+"/shared/app:1.0", name.Insecure)
	must(t, err)
	must(t, remote.Write(onA, img, remote.WithAuth(&authn.Bearer{Token: tok.Token})))
	want, err := img.Digest()
	must(t, err)

	// Buy on A.
	if s := a.call("POST", "/api/v1/users", "", "", map[string]string{"username": "bea", "email": "bea@example.com", "password": "bea-password"}, nil); s != http.StatusCreated {
		t.Fatalf("sign-up on A: %d", s)
	}
	var out struct{ License licenseJSON }
	if s := a.call("POST", "/api/v1/products/shared-app/checkout", "bea", "bea-password", map[string]any{"tier": "express", "accept_terms": true}, &out); s != http.StatusCreated || out.License.Key == "" {
		t.Fatalf("taking the free tier on A: %d %+v", s, out)
	}
	lic := out.License

	// Pull through B, with B's token endpoint and B's registry.
	key := remote.WithAuth(&authn.Basic{Username: "bea", Password: lic.Key})
	onB, err := name.NewTag(b.Registry+"/shared/app:1.0", name.Insecure)
	must(t, err)
	var pulled string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		desc, err := remote.Get(onB, key)
		if err == nil {
			pulled = desc.Digest.String()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pulling through B with the license bought on A: %v", err)
		}
	}
	if pulled != want.String() {
		t.Fatalf("B served %s, want %s", pulled, want)
	}

	// A signing key rotated on A: B's registry accepts A's new tokens.
	newKid, err := licensing.NewKeyRing(a.srv.Backend.Stores.Licenses, a.srv.Backend.Sealer, time.Hour).Rotate(ctx)
	must(t, err)
	must(t, a.srv.Backend.Keys.Load(ctx))
	fromA := clusterToken(t, a, "bea", lic.Key)
	if kid := kidOf(t, fromA); kid != newKid {
		t.Fatalf("A signs with %s after rotating to %s", kid, newKid)
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+b.Registry+"/v2/shared/app/manifests/1.0", nil)
	req.Header.Set("Authorization", "Bearer "+fromA)
	req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.v2+json")
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("B's registry answered %d to a token of A's new key", resp.StatusCode)
	}

	// Revoke on B: A refuses the key's next token at once.
	if _, err := b.srv.Backend.Licenses.Revoke(ctx, lic.ID); err != nil {
		t.Fatalf("revoking on B: %v", err)
	}
	if status, _ := clusterTokenAnswer(t, a, "bea", lic.Key); status != http.StatusUnauthorized {
		t.Errorf("A's token endpoint after the revocation on B: %d, want 401", status)
	}
	if _, err := remote.Get(onA, key); !isDenied(err) {
		t.Errorf("pulling through A after the revocation on B: %v, want refused", err)
	}
}

// clusterTokenAnswer asks in's token endpoint for a pull of shared/app for the
// cluster's registry service, and returns the status and the token.
func clusterTokenAnswer(t *testing.T, in *instance, user, pass string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, in.URL+"/token?"+url.Values{"service": {"berth-cluster"}, "scope": {"repository:shared/app:pull"}}.Encode(), nil)
	req.SetBasicAuth(user, pass)
	var answer struct{ Token string }
	status := doJSON(t, req, &answer)
	return status, answer.Token
}

// clusterToken is a granted token from in's token endpoint.
func clusterToken(t *testing.T, in *instance, user, pass string) string {
	t.Helper()
	status, token := clusterTokenAnswer(t, in, user, pass)
	if status != http.StatusOK || token == "" {
		t.Fatalf("token from %s: %d", in.URL, status)
	}
	return token
}
