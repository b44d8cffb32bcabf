package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/berth/berth/directory"
	"github.com/berth/berth/server"
)

// env reads BERTH_* variables as flag defaults, so that flags mirror
// variables and an explicit flag wins. A variable that does not parse is
// remembered by its flag's name: it is an error only when that flag is not
// given on the command line.
type env struct {
	getenv func(string) string
	errs   map[string]error // flag name → the variable's parse error
}

func (e *env) fail(flagName string, err error) {
	if e.errs == nil {
		e.errs = map[string]error{}
	}
	e.errs[flagName] = err
}

func (e *env) str(name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

func (e *env) duration(flagName, name string, def time.Duration) time.Duration {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		e.fail(flagName, fmt.Errorf("%s: want a duration such as 300s or 5m, got %q", name, v))
		return def
	}
	return d
}

func (e *env) float(flagName, name string, def float64) float64 {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		e.fail(flagName, fmt.Errorf("%s: want a number such as 20 or 12.5, got %q", name, v))
		return def
	}
	return f
}

func (e *env) integer(flagName, name string, def int) int {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.fail(flagName, fmt.Errorf("%s: want a whole number, got %q", name, v))
		return def
	}
	return n
}

func (e *env) boolean(flagName, name string, def bool) bool {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.fail(flagName, fmt.Errorf("%s: want true or false, got %q", name, v))
		return def
	}
	return b
}

// configFlags registers every setting on fs, defaulting from the environment,
// and returns the config the flags fill once parsed plus a check, to call
// after parsing, of the variables that did not parse.
func configFlags(fs *flag.FlagSet, getenv func(string) string) (*server.Config, func() error) {
	e := &env{getenv: getenv}
	d := server.Defaults()
	c := &server.Config{}
	fs.StringVar(&c.Addr, "addr", e.str("BERTH_ADDR", d.Addr), "web and API listen address (BERTH_ADDR)")
	fs.StringVar(&c.RegistryAddr, "registry-addr", e.str("BERTH_REGISTRY_ADDR", d.RegistryAddr), "registry listen address: the embedded registry, or the front of --registry-url (BERTH_REGISTRY_ADDR)")
	fs.StringVar(&c.DataDir, "data-dir", e.str("BERTH_DATA_DIR", d.DataDir), "data directory: SQLite database, registry storage, trust bundle (BERTH_DATA_DIR)")
	fs.StringVar(&c.PublicURL, "public-url", e.str("BERTH_PUBLIC_URL", ""), "URL clients reach the store at; default from --addr (BERTH_PUBLIC_URL)")
	fs.StringVar(&c.RegistryPublicURL, "registry-public-url", e.str("BERTH_REGISTRY_PUBLIC_URL", ""), "URL clients reach the registry at; default from --registry-addr (BERTH_REGISTRY_PUBLIC_URL)")
	fs.StringVar(&c.RegistryURL, "registry-url", e.str("BERTH_REGISTRY_URL", ""), "external registry URL; disables the embedded registry (BERTH_REGISTRY_URL)")
	fs.StringVar(&c.RegistryConfig, "registry-config", e.str("BERTH_REGISTRY_CONFIG", ""), "a distribution config.yml whose storage section (s3, azure, gcs, filesystem) the embedded registry uses; default DATA_DIR/registry (BERTH_REGISTRY_CONFIG)")
	fs.StringVar(&c.RegistryService, "registry-service", e.str("BERTH_REGISTRY_SERVICE", ""), "token audience; default the registry's host:port (BERTH_REGISTRY_SERVICE)")
	// The URI may hold a password: the flag's shown default stays empty so
	// that usage output never prints it; the variable fills in after parsing.
	fs.StringVar(&c.MongoURI, "mongo-uri", "", "MongoDB URI; default the embedded SQLite database; prefer the variable, flags show in process listings (BERTH_MONGO_URI)")
	fs.StringVar(&c.MongoDatabase, "mongo-database", e.str("BERTH_MONGO_DATABASE", d.MongoDatabase), "MongoDB database name (BERTH_MONGO_DATABASE)")
	fs.StringVar(&c.TokenIssuer, "token-issuer", e.str("BERTH_TOKEN_ISSUER", d.TokenIssuer), "issuer of registry tokens (BERTH_TOKEN_ISSUER)")
	fs.DurationVar(&c.TokenTTL, "token-ttl", e.duration("token-ttl", "BERTH_TOKEN_TTL", d.TokenTTL), "registry token lifetime (BERTH_TOKEN_TTL)")
	fs.StringVar(&c.RootCertFile, "root-cert-file", e.str("BERTH_ROOT_CERT_FILE", ""), "where to write the registry trust bundle; default DATA_DIR/keys/root-certs.pem (BERTH_ROOT_CERT_FILE)")
	fs.StringVar(&c.LogLevel, "log-level", e.str("BERTH_LOG_LEVEL", d.LogLevel), "debug, info, warn or error (BERTH_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", e.str("BERTH_LOG_FORMAT", d.LogFormat), "text or json (BERTH_LOG_FORMAT)")
	fs.BoolVar(&c.Demo, "demo", e.boolean("demo", "BERTH_DEMO", false), "seed the demo catalog if absent (BERTH_DEMO)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", e.str("BERTH_TRUSTED_PROXIES", ""), "comma-separated addresses or CIDRs of load balancers whose X-Forwarded-For is believed (BERTH_TRUSTED_PROXIES)")
	fs.StringVar(&c.StripeAPIURL, "stripe-api-url", e.str("BERTH_STRIPE_API_URL", ""), "Stripe API base URL; default Stripe's own (BERTH_STRIPE_API_URL)")
	fs.Float64Var(&c.PlatformFeePercent, "platform-fee-percent", e.float("platform-fee-percent", "BERTH_PLATFORM_FEE_PERCENT", d.PlatformFeePercent), "the platform's share of each sale, in percent (BERTH_PLATFORM_FEE_PERCENT)")
	fs.DurationVar(&c.BillingGrace, "billing-grace", e.duration("billing-grace", "BERTH_BILLING_GRACE", d.BillingGrace), "how long a subscription license runs after a failed renewal (BERTH_BILLING_GRACE)")
	fs.DurationVar(&c.SignatureWait, "signature-wait", e.duration("signature-wait", "BERTH_SIGNATURE_WAIT", d.SignatureWait), "how long an upload to staging waits for its cosign signature (BERTH_SIGNATURE_WAIT)")
	fs.DurationVar(&c.JobLease, "job-lease", e.duration("job-lease", "BERTH_JOB_LEASE", d.JobLease), "how long a background job's claim lasts without a heartbeat: how soon another instance takes the jobs of a dead one; 2s to 10m (BERTH_JOB_LEASE)")
	fs.BoolVar(&c.WebhookAllowPrivate, "webhook-allow-private", e.boolean("webhook-allow-private", "BERTH_WEBHOOK_ALLOW_PRIVATE", false), "let webhook endpoints be loopback or private addresses (BERTH_WEBHOOK_ALLOW_PRIVATE)")
	fs.BoolVar(&c.AllowPrivateNetworks, "allow-private-networks", e.boolean("allow-private-networks", "BERTH_ALLOW_PRIVATE_NETWORKS", false), "let Git sources of builds and webhook endpoints be loopback or private addresses (BERTH_ALLOW_PRIVATE_NETWORKS)")
	fs.IntVar(&c.BuildConcurrency, "build-concurrency", e.integer("build-concurrency", "BERTH_BUILD_CONCURRENCY", d.BuildConcurrency), "builds this instance runs at once (BERTH_BUILD_CONCURRENCY)")
	fs.IntVar(&c.BuildAccountConcurrency, "build-account-concurrency", e.integer("build-account-concurrency", "BERTH_BUILD_ACCOUNT_CONCURRENCY", d.BuildAccountConcurrency), "builds of one account that run at once across all instances; the others wait queued (BERTH_BUILD_ACCOUNT_CONCURRENCY)")
	fs.DurationVar(&c.BuildTimeout, "build-timeout", e.duration("build-timeout", "BERTH_BUILD_TIMEOUT", d.BuildTimeout), "how long one build (clone, build, push) may take (BERTH_BUILD_TIMEOUT)")
	fs.Int64Var(&c.BuildLogLimit, "build-log-limit", int64(e.integer("build-log-limit", "BERTH_BUILD_LOG_LIMIT", int(d.BuildLogLimit))), "bytes of a build's log that are kept (BERTH_BUILD_LOG_LIMIT)")
	fs.StringVar(&c.BuildWorkspace, "build-workspace", e.str("BERTH_BUILD_WORKSPACE", ""), "directory builds' checkouts and image storage are made in, each removed after; default the system's temporary directory (BERTH_BUILD_WORKSPACE)")
	fs.StringVar(&c.BuildahPath, "buildah", e.str("BERTH_BUILDAH", d.BuildahPath), "the buildah binary builds run with (BERTH_BUILDAH)")
	fs.StringVar(&c.Builder, "builder", e.str("BERTH_BUILDER", d.Builder), "what runs builds: buildah on this machine, or buildkit on the daemon at --buildkit-addr (BERTH_BUILDER)")
	fs.StringVar(&c.BuildKitAddr, "buildkit-addr", e.str("BERTH_BUILDKIT_ADDR", ""), "the BuildKit daemon builds run on: unix://, tcp://, docker-container:// or dockerd:// (BERTH_BUILDKIT_ADDR)")
	fs.StringVar(&c.BuildKitTLSCA, "buildkit-tls-ca", e.str("BERTH_BUILDKIT_TLS_CA", ""), "CA certificate file that verifies a tcp:// BuildKit daemon (BERTH_BUILDKIT_TLS_CA)")
	fs.StringVar(&c.BuildKitTLSCert, "buildkit-tls-cert", e.str("BERTH_BUILDKIT_TLS_CERT", ""), "client certificate file Berth shows the BuildKit daemon (BERTH_BUILDKIT_TLS_CERT)")
	fs.StringVar(&c.BuildKitTLSKey, "buildkit-tls-key", e.str("BERTH_BUILDKIT_TLS_KEY", ""), "private key file of --buildkit-tls-cert (BERTH_BUILDKIT_TLS_KEY)")
	fs.StringVar(&c.BuildKitTLSServerName, "buildkit-tls-server-name", e.str("BERTH_BUILDKIT_TLS_SERVER_NAME", ""), "the name in the BuildKit daemon's certificate, if not its address's host (BERTH_BUILDKIT_TLS_SERVER_NAME)")
	fs.BoolVar(&c.BuildKitShareCache, "buildkit-share-cache", e.boolean("buildkit-share-cache", "BERTH_BUILDKIT_SHARE_CACHE", false), "let builds reuse the BuildKit daemon's cache of other builds' steps; only for builds that trust each other (BERTH_BUILDKIT_SHARE_CACHE)")
	allowedBases := fs.String("build-allowed-base-hosts", e.str("BERTH_BUILD_ALLOWED_BASE_HOSTS", ""), "comma-separated registries (host or host/path prefix) other than Berth's that builds may pull FROM images from (BERTH_BUILD_ALLOWED_BASE_HOSTS)")
	fs.StringVar(&c.KEKFile, "kek-file", e.str("BERTH_KEK_FILE", ""), "file holding the key-encryption key of the private keys; default DATA_DIR/berth.kek, created on first start (BERTH_KEK_FILE)")
	// A secret is never a flag: flags show in process listings.
	c.KEK = getenv("BERTH_KEK")
	c.NotifySecret = getenv("BERTH_REGISTRY_NOTIFY_SECRET")
	c.StripeSecretKey = getenv("BERTH_STRIPE_SECRET_KEY")
	c.StripeWebhookSecret = getenv("BERTH_STRIPE_WEBHOOK_SECRET")
	return c, func() error {
		if c.MongoURI == "" {
			c.MongoURI = getenv("BERTH_MONGO_URI")
		}
		dir, err := directory.FromEnv(func(name string) (string, bool) { v := getenv(name); return v, v != "" })
		if err != nil {
			return err
		}
		c.Directory = dir
		c.BuildAllowedBaseHosts = nil
		for _, h := range strings.Split(*allowedBases, ",") {
			if h = strings.TrimSpace(h); h != "" {
				c.BuildAllowedBaseHosts = append(c.BuildAllowedBaseHosts, h)
			}
		}
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for _, name := range []string{"token-ttl", "demo", "platform-fee-percent", "billing-grace", "signature-wait", "job-lease", "webhook-allow-private",
			"allow-private-networks", "build-concurrency", "build-account-concurrency", "build-timeout", "build-log-limit", "buildkit-share-cache"} {
			if err := e.errs[name]; err != nil && !set[name] {
				return err
			}
		}
		return nil
	}
}

// newLogger builds the process logger from the config.
func newLogger(c *server.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
