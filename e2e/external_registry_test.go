package e2e

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/licensing"

	_ "github.com/distribution/distribution/v3/registry/auth/token"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

// TestExternalRegistry runs the production shape on one machine: a separate
// distribution registry configured from deploy/registry/external.yml (as the
// compose stack does, with REGISTRY_* overrides), and Berth with
// BERTH_REGISTRY_URL set, so no embedded registry. Clients reach the
// registry through Berth's front; Berth seeds into it, issues tokens for it,
// receives its notifications and enforces what tokens cannot say (a tier's
// tag pattern here).
func TestExternalRegistry(t *testing.T) {
	regLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config(t, backend{name: "sqlite"})
	cfg.RegistryURL = "http://" + regLn.Addr().String()
	cfg.NotifySecret = secret.Token("")
	cfg.RootCertFile = filepath.Join(t.TempDir(), "keys", "root-certs.pem")

	// Berth writes the trust bundle when it starts; the registry reads it
	// once at its own start, so it comes up second, as in compose.
	in := startWith(t, cfg, warnings(), false)
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "registry")); err == nil {
		t.Error("berth started an embedded registry although BERTH_REGISTRY_URL is set")
	}
	regHost := in.Registry // Berth's front: the address clients and tokens name
	startDistribution(t, regLn, map[string]string{
		"REGISTRY_AUTH_TOKEN_REALM":                  in.URL + "/token",
		"REGISTRY_AUTH_TOKEN_SERVICE":                regHost,
		"REGISTRY_AUTH_TOKEN_ROOTCERTBUNDLE":         cfg.RootCertFile,
		"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY":  t.TempDir(),
		"REGISTRY_NOTIFICATIONS_ENDPOINTS_0_URL":     in.URL + "/internal/registry/events",
		"REGISTRY_NOTIFICATIONS_ENDPOINTS_0_HEADERS": `{"Authorization": ["Bearer ` + cfg.NotifySecret + `"]}`,
		"REGISTRY_HTTP_SECRET":                       secret.Token(""),
	})
	in.waitReady(90 * time.Second)

	in.call("POST", "/api/v1/users", "", "", map[string]string{"username": "dave", "email": "dave@example.com", "password": "dave-password"}, nil)
	product, free, outside := pickFreeTier(t, in)
	var out struct{ License licenseJSON }
	if status := in.call("POST", "/api/v1/products/"+product.Slug+"/checkout", "dave", "dave-password", map[string]any{"tier": free.ID, "accept_terms": true}, &out); status != http.StatusCreated {
		t.Fatalf("checkout: %d", status)
	}
	pullWith(t, in.Registry, free.Repositories[0], out.License.Key)
	waitForPulls(t, in, product.Slug)
	refusedPull(t, in.Registry, outside, out.License.Key)

	// The demo's NetScaler CPX Standard tier covers tags matching 14.1-*:
	// through the front, 14.1 pulls and 13.1 is refused with the reason.
	dave, err := in.srv.Backend.Accounts.UserByUsername(context.Background(), "dave")
	must(t, err)
	cpx, err := in.srv.Backend.Licenses.Grant(context.Background(), licensing.Grant{Owner: dave.ID, Product: "netscaler-cpx", Tier: "standard"})
	must(t, err)
	auth := remote.WithAuth(&authn.Basic{Username: "x", Password: cpx.Key})
	if _, err := remote.Image(ref(t, in.Registry, "netscaler/cpx", "14.1-25.56"), auth); err != nil {
		t.Errorf("pulling a covered tag through the front: %v", err)
	}
	_, err = remote.Image(ref(t, in.Registry, "netscaler/cpx", "13.1-52.19"), auth, remote.WithRetryBackoff(remote.Backoff{Steps: 1}))
	if status, msg := registryStatus(err); status != http.StatusForbidden || !strings.Contains(msg, "does not cover 13.1-52.19") {
		t.Errorf("pulling an uncovered tag through the front: %v; want 403 saying the license does not cover it", err)
	}
}

func portOf(a net.Addr) string {
	_, port, _ := net.SplitHostPort(a.String())
	return port
}

// startDistribution serves a stock distribution registry on ln, configured
// from the shipped deploy/registry/external.yml plus env overrides.
func startDistribution(t *testing.T, ln net.Listener, env map[string]string) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	f, err := os.Open(filepath.Join("..", "deploy", "registry", "external.yml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rc, err := configuration.Parse(f)
	if err != nil {
		t.Fatalf("parsing deploy/registry/external.yml: %v", err)
	}
	rc.Health = configuration.Health{} // its storage probe would outlive the test
	ctx, cancel := context.WithCancel(context.Background())
	srv := &http.Server{Handler: handlers.NewApp(ctx, rc)}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { cancel(); _ = srv.Close() })
}
