package server

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"

	"github.com/berth/berth/builds"
)

// validateBuilder checks the builder settings, naming the setting that
// is wrong, so that a BuildKit worker misconfigured fails `berth serve`
// at start rather than every build later.
func (c Config) validateBuilder(bad func(name, format string, args ...any)) {
	switch c.Builder {
	case "buildah":
		if c.BuildKitAddr != "" {
			bad("BERTH_BUILDKIT_ADDR", "is set but BERTH_BUILDER is buildah; set BERTH_BUILDER=buildkit to use it")
		}
	case "buildkit":
		if c.BuildKitAddr == "" {
			bad("BERTH_BUILDKIT_ADDR", "BERTH_BUILDER=buildkit needs the daemon's address, such as tcp://worker:1234, unix:///run/buildkit/buildkitd.sock or dockerd://")
		} else if u, err := url.Parse(c.BuildKitAddr); err != nil || !validBuildKitScheme(u.Scheme) {
			bad("BERTH_BUILDKIT_ADDR", "want unix://, tcp://, docker-container:// or dockerd://, got %q", c.BuildKitAddr)
		}
	default:
		bad("BERTH_BUILDER", "want buildah or buildkit, got %q", c.Builder)
	}
	if (c.BuildKitTLSCert == "") != (c.BuildKitTLSKey == "") {
		bad("BERTH_BUILDKIT_TLS_CERT", "BERTH_BUILDKIT_TLS_CERT and BERTH_BUILDKIT_TLS_KEY go together")
	}
	for _, f := range [][2]string{{"BERTH_BUILDKIT_TLS_CA", c.BuildKitTLSCA}, {"BERTH_BUILDKIT_TLS_CERT", c.BuildKitTLSCert}, {"BERTH_BUILDKIT_TLS_KEY", c.BuildKitTLSKey}} {
		if f[1] == "" {
			continue
		}
		if _, err := os.Stat(f[1]); err != nil {
			bad(f[0], "cannot read %q: %v", f[1], err)
		}
	}
	for _, h := range c.BuildAllowedBaseHosts {
		if h == "" || strings.ContainsAny(h, " \t@") || strings.Contains(h, "://") {
			bad("BERTH_BUILD_ALLOWED_BASE_HOSTS", "want registry hosts or host/path prefixes separated by commas, such as mirror.example.com/library; got %q", h)
		}
	}
}

func validBuildKitScheme(s string) bool {
	switch s {
	case "unix", "tcp", "docker-container", "dockerd", "kube-pod", "npipe":
		return true
	}
	return false
}

// newBuilder returns the builder cfg names. Buildah missing is not fatal:
// Berth starts, and every build fails saying so.
func (b *Backend) newBuilder(cfg Config, plainHTTP bool) builds.Builder {
	if cfg.Builder == "buildkit" {
		var tls *builds.BuildKitTLS
		if cfg.BuildKitTLSCA != "" || cfg.BuildKitTLSCert != "" || cfg.BuildKitTLSServerName != "" {
			tls = &builds.BuildKitTLS{CACert: cfg.BuildKitTLSCA, Cert: cfg.BuildKitTLSCert, Key: cfg.BuildKitTLSKey, ServerName: cfg.BuildKitTLSServerName}
		}
		return builds.NewBuildKit(builds.BuildKitConfig{Addr: cfg.BuildKitAddr, TLS: tls, Timeout: cfg.BuildTimeout,
			LogLimit: cfg.BuildLogLimit, ShareCache: cfg.BuildKitShareCache, PlainHTTP: plainHTTP})
	}
	if _, err := exec.LookPath(cfg.BuildahPath); err != nil {
		why := fmt.Sprintf("buildah was not found (%s): install buildah on the Berth host, set BERTH_BUILDAH to its path, or set BERTH_BUILDER=buildkit", cfg.BuildahPath)
		b.log.Warn("automated builds will fail: "+why, "err", err)
		return builds.Unavailable{Why: why}
	}
	return builds.NewBuildah(builds.BuildahConfig{Path: cfg.BuildahPath, Workspaces: cfg.BuildWorkspace,
		Timeout: cfg.BuildTimeout, LogLimit: cfg.BuildLogLimit, PlainHTTP: plainHTTP})
}
