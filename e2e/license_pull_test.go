package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

type tierJSON struct {
	ID           string   `json:"id"`
	Price        int64    `json:"price"`
	Currency     string   `json:"currency"`
	Repositories []string `json:"repositories"`
}

type productJSON struct {
	Slug         string     `json:"slug"`
	Name         string     `json:"name"`
	Repositories []string   `json:"repositories"`
	Tiers        []tierJSON `json:"tiers"`
}

type licenseJSON struct {
	ID           string   `json:"id"`
	Key          string   `json:"key"`
	Product      string   `json:"product"`
	Tier         string   `json:"tier"`
	Repositories []string `json:"repositories"`
	Status       string   `json:"status"`
	ExpiresAt    *string  `json:"expires_at"`
}

// TestFreeLicensePull is the walking skeleton's chain, on each database:
// sign up, take a free license, pull with its key, be refused everything
// else, survive a restart, and lose access on revocation.
func TestFreeLicensePull(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { testFreeLicensePull(t, b) })
	}
}

func testFreeLicensePull(t *testing.T, b backend) {
	cfg := config(t, b)
	in := start(t, cfg)

	if got := in.call("POST", "/api/v1/users", "", "", map[string]string{"username": "buyer", "email": "buyer@example.com", "password": "s3cret-passw0rd"}, nil); got != http.StatusCreated {
		t.Fatalf("sign-up: status %d, want 201", got)
	}
	product, free, outside := pickFreeTier(t, in)

	var paid struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if pt, ok := paidTier(product); ok {
		// No Stripe keys here: paid tiers say payments are not configured.
		if got := in.call("POST", "/api/v1/products/"+product.Slug+"/checkout", "buyer", "s3cret-passw0rd", map[string]any{"tier": pt.ID, "accept_terms": true}, &paid); got != http.StatusConflict ||
			paid.Error.Code != "not_on_sale" || paid.Error.Message != "This tier is not on sale here yet." {
			t.Errorf("paid checkout: status %d %+v, want 409 not_on_sale in the buyer's words", got, paid)
		}
	}
	if got := in.call("POST", "/api/v1/products/"+product.Slug+"/checkout", "buyer", "s3cret-passw0rd", map[string]any{"tier": free.ID}, &paid); got != http.StatusUnprocessableEntity ||
		paid.Error.Code != "invalid" {
		t.Errorf("checkout without accepting the terms: status %d %+v, want 422", got, paid)
	}
	if got := in.call("POST", "/api/v1/products/"+product.Slug+"/checkout", "", "", map[string]any{"tier": free.ID, "accept_terms": true}, nil); got != http.StatusUnauthorized {
		t.Errorf("anonymous checkout: status %d, want 401", got)
	}

	var out struct{ License licenseJSON }
	if got := in.call("POST", "/api/v1/products/"+product.Slug+"/checkout", "buyer", "s3cret-passw0rd", map[string]any{"tier": free.ID, "accept_terms": true}, &out); got != http.StatusCreated {
		t.Fatalf("free checkout: status %d, want 201", got)
	}
	lic := out.License
	if !strings.HasPrefix(lic.Key, "berth_lk_") || lic.Product != product.Slug || lic.Tier != free.ID || !slices.Equal(lic.Repositories, free.Repositories) || lic.ExpiresAt != nil {
		t.Fatalf("license = %+v; want a berth_lk_ key for %s/%s pulling %v", lic, product.Slug, free.ID, free.Repositories)
	}
	checkListedWithoutKey(t, in, lic)

	repo := free.Repositories[0]
	digest := pullWith(t, in.Registry, repo, lic.Key)
	waitForPulls(t, in, product.Slug)
	refusedPush(t, in.Registry, repo, lic.Key)
	refusedPull(t, in.Registry, outside, lic.Key)
	refusedForgedTokens(t, in, repo, lic.Key)

	// Restart on the same data dir: the user, the license and the image stay.
	in.stop()
	in = start(t, cfg)
	if got := pullWith(t, in.Registry, repo, lic.Key); got != digest {
		t.Errorf("after restart the image digest is %s, want %s", got, digest)
	}
	checkListedWithoutKey(t, in, lic)

	if _, err := in.srv.Backend.Licenses.Revoke(context.Background(), lic.ID); err != nil {
		t.Fatalf("revoking: %v", err)
	}
	refusedPull(t, in.Registry, repo, lic.Key)
	var regErr struct {
		Errors []struct{ Code, Message string }
	}
	req, _ := http.NewRequest("GET", in.URL+"/token?service="+in.Registry+"&scope=repository:"+repo+":pull", nil)
	req.SetBasicAuth("anyone", lic.Key)
	if got := doJSON(t, req, &regErr); got != http.StatusUnauthorized || len(regErr.Errors) != 1 || regErr.Errors[0].Code != "DENIED" || !strings.Contains(regErr.Errors[0].Message, "revoked") {
		t.Errorf("token for a revoked key: status %d %+v; want 401 saying revoked", got, regErr)
	}
}

// pickFreeTier finds a product with a free tier and a repository that tier
// does not cover.
func pickFreeTier(t *testing.T, in *instance) (productJSON, tierJSON, string) {
	t.Helper()
	var list struct{ Products []productJSON }
	if got := in.call("GET", "/api/v1/products?limit=100", "", "", nil, &list); got != http.StatusOK {
		t.Fatalf("listing products: status %d", got)
	}
	var all []string
	for _, p := range list.Products {
		all = append(all, p.Repositories...)
	}
	for _, p := range list.Products {
		for _, tr := range p.Tiers {
			if tr.Price != 0 || len(tr.Repositories) == 0 {
				continue
			}
			for _, repo := range all {
				if !slices.Contains(tr.Repositories, repo) {
					return p, tr, repo
				}
			}
		}
	}
	t.Fatalf("no demo product has a free tier: %+v", list.Products)
	return productJSON{}, tierJSON{}, ""
}

func paidTier(p productJSON) (tierJSON, bool) {
	for _, tr := range p.Tiers {
		if tr.Price > 0 {
			return tr, true
		}
	}
	return tierJSON{}, false
}

func checkListedWithoutKey(t *testing.T, in *instance, lic licenseJSON) {
	t.Helper()
	var list struct{ Licenses []licenseJSON }
	if got := in.call("GET", "/api/v1/licenses", "buyer", "s3cret-passw0rd", nil, &list); got != http.StatusOK {
		t.Fatalf("listing licenses: status %d", got)
	}
	if len(list.Licenses) != 1 || list.Licenses[0].ID != lic.ID || list.Licenses[0].Key != "" || list.Licenses[0].Status != "active" {
		t.Errorf("licenses = %+v; want just %s, active, without its key", list.Licenses, lic.ID)
	}
}

func ref(t *testing.T, registry, repo, tag string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(registry+"/"+repo+":"+tag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// pullWith pulls every layer of the repository's first tag with the license
// key as password and returns the manifest digest.
func pullWith(t *testing.T, registry, repo, key string) string {
	t.Helper()
	auth := remote.WithAuth(&authn.Basic{Username: "ci-bot", Password: key})
	repoName, err := name.NewRepository(registry+"/"+repo, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	tags, err := remote.List(repoName, auth)
	if err != nil || len(tags) == 0 {
		t.Fatalf("listing tags of %s with a license key: %v %v", repo, tags, err)
	}
	img, err := remote.Image(ref(t, registry, repo, tags[0]), auth)
	if err != nil {
		t.Fatalf("pulling %s:%s with a license key: %v", repo, tags[0], err)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) < 2 {
		t.Fatalf("%s has %d layers (%v); want a multi-layer image", repo, len(layers), err)
	}
	for _, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatalf("fetching a layer of %s: %v", repo, err)
		}
		rc.Close()
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// isDenied reports whether err is the registry refusing the credential.
func isDenied(err error) bool {
	var te *transport.Error
	return err != nil && errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden)
}

func refusedPush(t *testing.T, registry, repo, key string) {
	t.Helper()
	img, err := random.Image(1024, 1)
	if err != nil {
		t.Fatal(err)
	}
	err = remote.Write(ref(t, registry, repo, "hijack"), img, remote.WithAuth(&authn.Basic{Username: "x", Password: key}))
	if !isDenied(err) {
		t.Errorf("pushing to %s with a license key: %v; want 401/403", repo, err)
	}
}

func refusedPull(t *testing.T, registry, repo, key string) {
	t.Helper()
	_, err := remote.Image(ref(t, registry, repo, "latest"), remote.WithAuth(&authn.Basic{Username: "x", Password: key}))
	if !isDenied(err) {
		t.Errorf("pulling %s: %v; want 401/403", repo, err)
	}
}

// refusedForgedTokens presents the registry with a token signed by a key it
// does not trust, and with a real token whose claims were altered.
func refusedForgedTokens(t *testing.T, in *instance, repo, key string) {
	t.Helper()
	var tok struct{ Token string }
	req, _ := http.NewRequest("GET", in.URL+"/token?service="+in.Registry+"&scope=repository:"+repo+":pull", nil)
	req.SetBasicAuth("x", key)
	if got := doJSON(t, req, &tok); got != http.StatusOK {
		t.Fatalf("token: status %d", got)
	}
	manifest := "http://" + in.Registry + "/v2/" + repo + "/tags/list"
	if got := bearerStatus(t, manifest, tok.Token); got != http.StatusOK {
		t.Fatalf("the genuine token got %d, want 200", got)
	}
	parts := strings.Split(tok.Token, ".")
	var claims map[string]any
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	claims["access"] = []map[string]any{{"type": "repository", "name": repo, "actions": []string{"pull", "push"}}}
	altered, _ := json.Marshal(claims)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(altered) + "." + parts[2]
	if got := bearerStatus(t, manifest, tampered); got != http.StatusUnauthorized {
		t.Errorf("tampered token: status %d, want 401", got)
	}
	if got := bearerStatus(t, manifest, foreignToken(t, claims)); got != http.StatusUnauthorized {
		t.Errorf("token signed by a foreign key: status %d, want 401", got)
	}
}

// foreignToken signs claims with a fresh key whose self-signed certificate
// travels in x5c, as an attacker would.
func foreignToken(t *testing.T, claims map[string]any) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Berth token root"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims(claims))
	tok.Header["x5c"] = []string{base64.StdEncoding.EncodeToString(der)}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func bearerStatus(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func doJSON(t *testing.T, req *http.Request, out any) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("decoding %s: %v", req.URL.Path, err)
	}
	return resp.StatusCode
}

// waitForPulls waits until the registry's pull notification has reached
// Berth and been counted on the product.
func waitForPulls(t *testing.T, in *instance, slug string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var p struct{ Pulls int64 }
		in.call("GET", "/api/v1/products/"+slug, "", "", nil, &p)
		if p.Pulls > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("product %s still has no pulls 15s after a pull: notifications are not reaching berth", slug)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
