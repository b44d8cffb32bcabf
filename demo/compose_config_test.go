package demo_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/auth"
	_ "github.com/distribution/distribution/v3/registry/auth/token"
	"gopkg.in/yaml.v2"
)

// compose is the part of docker-compose.yml the tests read.
type compose struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		Ports       []string          `yaml:"ports"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	} `yaml:"services"`
}

// readCompose parses ../docker-compose.yml after doing compose's
// interpolation of the one variable it uses.
func readCompose(t *testing.T, secret string) compose {
	t.Helper()
	raw, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	in := strings.ReplaceAll(string(raw), "${BERTH_REGISTRY_NOTIFY_SECRET:?set it}", secret)
	if strings.Contains(in, "${") {
		t.Fatal("docker-compose.yml uses a variable this test does not interpolate")
	}
	var c compose
	if err := yaml.Unmarshal([]byte(in), &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return c
}

// parseRegistryConfig parses deploy/registry/config.yml as the registry
// does, including its REGISTRY_* environment overrides.
func parseRegistryConfig(t *testing.T) *configuration.Configuration {
	t.Helper()
	f, err := os.Open("../deploy/registry/config.yml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := configuration.Parse(f)
	if err != nil {
		t.Fatalf("deploy/registry/config.yml: %v", err)
	}
	return cfg
}

func TestRegistryConfigTrustsBerth(t *testing.T) {
	const secret = "notify-secret-for-test"
	c := readCompose(t, secret)
	reg, berth := c.Services["registry"], c.Services["berth"]
	for k, v := range reg.Environment {
		t.Setenv(k, v) // what compose hands the registry container
	}
	cfg := parseRegistryConfig(t)

	if got := cfg.Auth.Type(); got != "token" {
		t.Fatalf("auth type %q, want token", got)
	}
	opts := cfg.Auth.Parameters()
	want := map[string]string{
		"realm":          berth.Environment["BERTH_PUBLIC_URL"] + "/token",
		"service":        berth.Environment["BERTH_REGISTRY_SERVICE"],
		"issuer":         "berth", // Berth's default BERTH_TOKEN_ISSUER
		"rootcertbundle": berth.Environment["BERTH_ROOT_CERT_FILE"],
	}
	for k, v := range want {
		if opts[k] != v || v == "" {
			t.Errorf("auth.token.%s = %v, want %q", k, opts[k], v)
		}
	}
	if algs, _ := opts["signingalgorithms"].([]any); !slices.Equal(algs, []any{"ES256"}) {
		t.Errorf("auth.token.signingalgorithms = %v, want [ES256]", opts["signingalgorithms"])
	}
	if _, ok := cfg.Storage["filesystem"]; !ok {
		t.Errorf("storage %v, want filesystem", cfg.Storage.Type())
	}

	if len(cfg.Notifications.Endpoints) != 1 {
		t.Fatalf("%d notification endpoints, want 1", len(cfg.Notifications.Endpoints))
	}
	ep := cfg.Notifications.Endpoints[0]
	if ep.URL != "http://berth:8080/internal/registry/events" || ep.Disabled {
		t.Errorf("notification endpoint %s (disabled %v), want http://berth:8080/internal/registry/events", ep.URL, ep.Disabled)
	}
	if got := ep.Headers.Values("Authorization"); !slices.Equal(got, []string{"Bearer " + secret}) {
		t.Errorf("notification Authorization %q, want the compose secret as a bearer", got)
	}
	if berth.Environment["BERTH_REGISTRY_NOTIFY_SECRET"] != secret {
		t.Errorf("berth gets notify secret %q, want the same one as the registry", berth.Environment["BERTH_REGISTRY_NOTIFY_SECRET"])
	}

	// Clients reach the registry only through berth's front, which serves
	// the published registry port and proxies to the registry container.
	if len(reg.Ports) != 0 {
		t.Errorf("the registry publishes %v; clients must go through berth's front", reg.Ports)
	}
	if !slices.Contains(berth.Ports, "5000:5000") || berth.Environment["BERTH_REGISTRY_ADDR"] != "0.0.0.0:5000" ||
		berth.Environment["BERTH_REGISTRY_URL"] != "http://registry:5000" {
		t.Errorf("berth ports %v, BERTH_REGISTRY_ADDR %q, BERTH_REGISTRY_URL %q; want the front on a published :5000 before http://registry:5000",
			berth.Ports, berth.Environment["BERTH_REGISTRY_ADDR"], berth.Environment["BERTH_REGISTRY_URL"])
	}

	// The token access controller accepts the options once the trust bundle exists.
	opts = maps.Clone(opts)
	opts["rootcertbundle"] = writeRootCert(t)
	if _, err := auth.GetAccessController("token", opts); err != nil {
		t.Errorf("token access controller rejects the configuration: %v", err)
	}
}

func TestComposeStartOrder(t *testing.T) {
	c := readCompose(t, "x")
	reg, berth, mongo := c.Services["registry"], c.Services["berth"], c.Services["mongo"]
	if reg.DependsOn["berth"].Condition != "service_healthy" || berth.DependsOn["mongo"].Condition != "service_healthy" {
		t.Errorf("want registry after a healthy berth after a healthy mongo, got %+v and %+v", reg.DependsOn, berth.DependsOn)
	}
	if !slices.Equal(berth.Healthcheck.Test, []string{"CMD", "/berth", "healthcheck"}) || !slices.Equal(berth.Command, []string{"serve", "--demo"}) {
		t.Errorf("berth healthcheck %v and command %v", berth.Healthcheck.Test, berth.Command)
	}
	if !slices.Contains(mongo.Command, "--replSet") || len(mongo.Healthcheck.Test) == 0 {
		t.Errorf("mongo command %v, healthcheck %v: want a replica set initiated by the healthcheck", mongo.Command, mongo.Healthcheck.Test)
	}
	if !slices.Contains(reg.Volumes, "./deploy/registry/config.yml:/etc/distribution/config.yml:ro") ||
		!slices.Contains(reg.Volumes, "keys:/keys:ro") || !slices.Contains(berth.Volumes, "keys:/keys") {
		t.Errorf("registry volumes %v, berth volumes %v: want the config and a shared keys volume", reg.Volumes, berth.Volumes)
	}
}

// writeRootCert writes a self-signed P-256 certificate, like the bundle
// Berth writes, and returns its path.
func writeRootCert(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "berth test root"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "root-certs.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
