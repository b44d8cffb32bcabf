// Package server wires Berth's domains, stores, registry and web front end
// into one runnable store. cmd/berth fills a Config and calls it; the
// end-to-end tests start it in-process.
package server

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/berth/berth/directory"
	"github.com/berth/berth/internal/kek"
	"github.com/berth/berth/registry"
)

// Config is every setting of a Berth process. cmd/berth fills it from flags
// and BERTH_* variables; Validate names the variable of a bad value.
type Config struct {
	Addr              string        // BERTH_ADDR: web and API listen address
	RegistryAddr      string        // BERTH_REGISTRY_ADDR: registry listen address (the embedded one, or the front of BERTH_REGISTRY_URL)
	DataDir           string        // BERTH_DATA_DIR: SQLite file, registry storage, trust bundle
	PublicURL         string        // BERTH_PUBLIC_URL: how clients reach the store
	RegistryPublicURL string        // BERTH_REGISTRY_PUBLIC_URL: how clients reach the registry
	RegistryURL       string        // BERTH_REGISTRY_URL: an external registry, served through Berth's front; disables the embedded one
	RegistryService   string        // BERTH_REGISTRY_SERVICE: token audience; default the registry's host:port
	RegistryConfig    string        // BERTH_REGISTRY_CONFIG: a distribution config.yml whose storage section the embedded registry uses
	MongoURI          string        // BERTH_MONGO_URI: use MongoDB instead of SQLite
	MongoDatabase     string        // BERTH_MONGO_DATABASE
	TokenIssuer       string        // BERTH_TOKEN_ISSUER
	TokenTTL          time.Duration // BERTH_TOKEN_TTL
	RootCertFile      string        // BERTH_ROOT_CERT_FILE: where the registry trust bundle is written
	NotifySecret      string        // BERTH_REGISTRY_NOTIFY_SECRET: bearer the registry sends with events
	LogLevel          string        // BERTH_LOG_LEVEL: debug, info, warn, error
	LogFormat         string        // BERTH_LOG_FORMAT: text or json
	Demo              bool          // --demo / BERTH_DEMO: seed the demo catalog if absent
	TrustedProxies    string        // BERTH_TRUSTED_PROXIES: comma-separated addresses or CIDRs of load balancers
	// Billing. Secrets are environment variables only, never flags.
	StripeSecretKey     string        // BERTH_STRIPE_SECRET_KEY: empty: paid tiers cannot be bought
	StripeWebhookSecret string        // BERTH_STRIPE_WEBHOOK_SECRET: checks Stripe-Signature
	StripeAPIURL        string        // BERTH_STRIPE_API_URL: default Stripe's own
	PlatformFeePercent  float64       // BERTH_PLATFORM_FEE_PERCENT: the platform's share of each sale
	BillingGrace        time.Duration // BERTH_BILLING_GRACE: how long a license runs after a failed renewal
	// SignatureWait is how long an upload to staging waits for its
	// signature before it is rejected as unsigned (BERTH_SIGNATURE_WAIT).
	SignatureWait time.Duration
	// JobLease is how long a claim holds a background job without a
	// heartbeat (BERTH_JOB_LEASE): the time after which a job whose
	// instance died is taken by another. The heartbeat is a third of it.
	JobLease time.Duration
	// WebhookAllowPrivate lets publishers' webhook endpoints be loopback or
	// private addresses (BERTH_WEBHOOK_ALLOW_PRIVATE); off, Berth refuses
	// to post into its own network.
	WebhookAllowPrivate bool
	// AllowPrivateNetworks lets builds' Git sources and webhook endpoints
	// be loopback or private addresses (BERTH_ALLOW_PRIVATE_NETWORKS).
	AllowPrivateNetworks bool
	// BuildConcurrency is how many builds this instance runs at once
	// (BERTH_BUILD_CONCURRENCY).
	BuildConcurrency int
	// BuildAccountConcurrency is how many builds of one account run at
	// once across every instance (BERTH_BUILD_ACCOUNT_CONCURRENCY).
	BuildAccountConcurrency int
	// BuildTimeout bounds one build (BERTH_BUILD_TIMEOUT).
	BuildTimeout time.Duration
	// BuildLogLimit caps a build's log in bytes (BERTH_BUILD_LOG_LIMIT).
	BuildLogLimit int64
	// BuildWorkspace is where builds' checkouts and image storage are
	// made, each removed after (BERTH_BUILD_WORKSPACE; default the
	// system's temporary directory).
	BuildWorkspace string
	// BuildahPath is the buildah binary (BERTH_BUILDAH). When it is not
	// found, Berth starts and every build fails saying so.
	BuildahPath string
	// Builder is what runs builds (BERTH_BUILDER): "buildah", the
	// default, on this machine; "buildkit" on the BuildKit daemon at
	// BuildKitAddr, which may be another machine.
	Builder string
	// BuildKitAddr is the BuildKit daemon (BERTH_BUILDKIT_ADDR):
	// unix://, tcp://, docker-container:// or dockerd:// (a Docker
	// Engine's own BuildKit).
	BuildKitAddr string
	// BuildKitTLSCA, BuildKitTLSCert, BuildKitTLSKey and
	// BuildKitTLSServerName authenticate a tcp:// daemon
	// (BERTH_BUILDKIT_TLS_CA, _CERT, _KEY, _SERVER_NAME); all empty talks
	// in the clear.
	BuildKitTLSCA, BuildKitTLSCert, BuildKitTLSKey, BuildKitTLSServerName string
	// BuildKitShareCache lets builds reuse the daemon's cache of earlier
	// builds' steps (BERTH_BUILDKIT_SHARE_CACHE): faster, but one build's
	// RUN results reach any build with the same steps.
	BuildKitShareCache bool
	// BuildAllowedBaseHosts are registries other than Berth's (a host, or
	// host/path prefix) builds may pull FROM images from
	// (BERTH_BUILD_ALLOWED_BASE_HOSTS, comma-separated); by default none.
	BuildAllowedBaseHosts []string
	// KEK is the key-encryption key that seals every private key in the
	// database, in base64 (BERTH_KEK; environment only). Instances sharing
	// one MongoDB must share it.
	KEK string
	// KEKFile holds the key-encryption key when KEK is empty
	// (BERTH_KEK_FILE); default DATA_DIR/berth.kek, created on first start.
	KEKFile string
	// Directory is the company directory: LDAP and OIDC sign-in and group
	// sync (BERTH_LDAP_*, BERTH_OIDC_*; read by directory.FromEnv).
	Directory directory.Settings
}

// Defaults returns the configuration `berth serve` runs with when nothing is set.
func Defaults() Config {
	return Config{
		Addr:          "localhost:8080",
		RegistryAddr:  "localhost:5000",
		DataDir:       "./data",
		MongoDatabase: "berth",
		TokenIssuer:   "berth",
		TokenTTL:      5 * time.Minute,
		LogLevel:      "info",
		// The platform's cut of each sale, and a week's grace after a
		// failed renewal.
		PlatformFeePercent:      20,
		BillingGrace:            7 * 24 * time.Hour,
		SignatureWait:           10 * time.Minute,
		JobLease:                30 * time.Second,
		BuildConcurrency:        2,
		BuildAccountConcurrency: 1,
		BuildTimeout:            30 * time.Minute,
		BuildLogLimit:           4 << 20,
		BuildahPath:             "buildah",
		Builder:                 "buildah",
		LogFormat:               "text",
	}
}

// The bounds of JobLease: below 2 s a heartbeat (a third of the lease) is
// too close to a slow database write to keep a running job's lease; above
// 10 minutes a dead instance's jobs wait too long.
const (
	MinJobLease = 2 * time.Second
	MaxJobLease = 10 * time.Minute
)

// Embedded reports whether Berth runs its own registry.
func (c Config) Embedded() bool { return c.RegistryURL == "" }

// RegistryStorage is where the embedded registry keeps content: the storage
// section of BERTH_REGISTRY_CONFIG when set, else DATA_DIR/registry.
func (c Config) RegistryStorage() (registry.Storage, error) {
	if c.RegistryConfig == "" {
		return registry.FilesystemStorage(filepath.Join(c.DataDir, "registry")), nil
	}
	return registry.LoadStorage(c.RegistryConfig)
}

// Validate checks every setting and names the variable of the first bad one.
func (c Config) Validate() error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("BERTH_ADDR", "want host:port, got %q", c.Addr)
	}
	if _, _, err := net.SplitHostPort(c.RegistryAddr); err != nil {
		bad("BERTH_REGISTRY_ADDR", "want host:port, got %q", c.RegistryAddr)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		bad("BERTH_DATA_DIR", "must not be empty")
	}
	for _, u := range [][2]string{
		{"BERTH_PUBLIC_URL", c.PublicURL}, {"BERTH_REGISTRY_PUBLIC_URL", c.RegistryPublicURL}, {"BERTH_REGISTRY_URL", c.RegistryURL},
	} {
		if u[1] != "" && !isHTTPURL(u[1]) {
			bad(u[0], "want an absolute http or https URL without a path, got %q", u[1])
		}
	}
	if c.MongoURI != "" && !strings.HasPrefix(c.MongoURI, "mongodb://") && !strings.HasPrefix(c.MongoURI, "mongodb+srv://") {
		bad("BERTH_MONGO_URI", "want a mongodb:// or mongodb+srv:// URI")
	}
	if c.MongoURI != "" && c.MongoDatabase == "" {
		bad("BERTH_MONGO_DATABASE", "must not be empty")
	}
	// The token specification's floor is 60 s: clients treat less as 60 s.
	if c.TokenTTL < time.Minute || c.TokenTTL > 24*time.Hour {
		bad("BERTH_TOKEN_TTL", "want between 60s and 24h, got %s", c.TokenTTL)
	}
	if _, err := c.trustedProxies(); err != nil {
		bad("BERTH_TRUSTED_PROXIES", "%v", err)
	}
	if c.TokenIssuer == "" {
		bad("BERTH_TOKEN_ISSUER", "must not be empty")
	}
	if !c.Embedded() && c.RegistryConfig != "" {
		bad("BERTH_REGISTRY_CONFIG", "names the embedded registry's storage; BERTH_REGISTRY_URL's registry has its own")
	} else if _, err := c.RegistryStorage(); err != nil {
		errs = append(errs, err)
	}
	if !c.Embedded() && len(c.NotifySecret) < 16 {
		bad("BERTH_REGISTRY_NOTIFY_SECRET", "an external registry needs a secret of at least 16 characters for its notifications")
	}
	if (c.StripeSecretKey == "") != (c.StripeWebhookSecret == "") {
		bad("BERTH_STRIPE_WEBHOOK_SECRET", "set both BERTH_STRIPE_SECRET_KEY and BERTH_STRIPE_WEBHOOK_SECRET, or neither")
	}
	if c.StripeAPIURL != "" && !isHTTPURL(c.StripeAPIURL) {
		bad("BERTH_STRIPE_API_URL", "want an absolute http or https URL without a path, got %q", c.StripeAPIURL)
	}
	if c.PlatformFeePercent < 0 || c.PlatformFeePercent > 100 {
		bad("BERTH_PLATFORM_FEE_PERCENT", "want 0 to 100, got %v", c.PlatformFeePercent)
	}
	if c.BillingGrace < 0 || c.BillingGrace > 90*24*time.Hour {
		bad("BERTH_BILLING_GRACE", "want 0 to 2160h (90 days), got %s", c.BillingGrace)
	}
	if c.SignatureWait < time.Second || c.SignatureWait > 24*time.Hour {
		bad("BERTH_SIGNATURE_WAIT", "want between 1s and 24h, got %s", c.SignatureWait)
	}
	if c.JobLease < MinJobLease || c.JobLease > MaxJobLease {
		bad("BERTH_JOB_LEASE", "want between %s and %s, got %s", MinJobLease, MaxJobLease, c.JobLease)
	}
	if c.BuildConcurrency < 1 || c.BuildConcurrency > 64 {
		bad("BERTH_BUILD_CONCURRENCY", "want 1 to 64, got %d", c.BuildConcurrency)
	}
	if c.BuildAccountConcurrency < 1 || c.BuildAccountConcurrency > 64 {
		bad("BERTH_BUILD_ACCOUNT_CONCURRENCY", "want 1 to 64, got %d", c.BuildAccountConcurrency)
	}
	if c.BuildTimeout < 10*time.Second || c.BuildTimeout > 24*time.Hour {
		bad("BERTH_BUILD_TIMEOUT", "want between 10s and 24h, got %s", c.BuildTimeout)
	}
	if c.BuildLogLimit < 4<<10 || c.BuildLogLimit > 1<<30 {
		bad("BERTH_BUILD_LOG_LIMIT", "want 4096 to 1073741824 bytes, got %d", c.BuildLogLimit)
	}
	c.validateBuilder(bad)
	if c.KEK != "" {
		if _, err := kek.Parse(c.KEK); err != nil {
			bad("BERTH_KEK", "%v", err)
		}
		if c.KEKFile != "" {
			bad("BERTH_KEK_FILE", "set BERTH_KEK or BERTH_KEK_FILE, not both")
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("BERTH_LOG_LEVEL", "want debug, info, warn or error, got %q", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		bad("BERTH_LOG_FORMAT", "want text or json, got %q", c.LogFormat)
	}
	return errors.Join(errs...)
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		(u.Path == "" || u.Path == "/") && u.RawQuery == "" && u.User == nil
}

// publicURLFor derives the URL clients use for a listener: loopback and
// unspecified hosts become "localhost", which registry clients accept as
// both registry and realm host.
func publicURLFor(addr net.Addr) string {
	host, port, _ := net.SplitHostPort(addr.String())
	ip := net.ParseIP(host)
	if host == "" || (ip != nil && (ip.IsLoopback() || ip.IsUnspecified())) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// dialURLFor is how this process reaches its own listener.
func dialURLFor(addr net.Addr) string {
	host, port, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// trustedProxies parses TrustedProxies: addresses (a /32 or /128) or CIDRs.
func (c Config) trustedProxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(c.TrustedProxies, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if a, err := netip.ParseAddr(f); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("want addresses or CIDRs such as 10.0.0.0/8, got %q", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
