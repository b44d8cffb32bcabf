package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBuilderSettings reads the builder settings from the environment as
// `berth serve` does and checks that a wrong one stops the start with a
// message naming the setting.
func TestBuilderSettings(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	parse := func(env map[string]string) error {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg, finish := configFlags(fs, func(k string) string { return env[k] })
		if err := fs.Parse(nil); err != nil {
			return err
		}
		if err := finish(); err != nil {
			return err
		}
		if env["check-hosts"] != "" && !slices.Equal(cfg.BuildAllowedBaseHosts, []string{"mirror.example.com/library", "quay.example.com"}) {
			t.Errorf("allowed base hosts = %q", cfg.BuildAllowedBaseHosts)
		}
		if env["BERTH_BUILDKIT_SHARE_CACHE"] == "true" && (!cfg.BuildKitShareCache || cfg.Builder != "buildkit" || cfg.BuildKitTLSCA != ca) {
			t.Errorf("buildkit settings not read: %+v", cfg)
		}
		return cfg.Validate()
	}
	for _, ok := range []map[string]string{
		{},
		{"BERTH_BUILD_ALLOWED_BASE_HOSTS": " mirror.example.com/library, quay.example.com ,", "check-hosts": "1"},
		{"BERTH_BUILDER": "buildkit", "BERTH_BUILDKIT_ADDR": "tcp://worker:1234", "BERTH_BUILDKIT_TLS_CA": ca,
			"BERTH_BUILDKIT_TLS_SERVER_NAME": "worker", "BERTH_BUILDKIT_SHARE_CACHE": "true"},
		{"BERTH_BUILDER": "buildkit", "BERTH_BUILDKIT_ADDR": "dockerd://"},
	} {
		if err := parse(ok); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"BERTH_BUILDER": "docker"}, "BERTH_BUILDER"},
		{map[string]string{"BERTH_BUILDER": "buildkit"}, "BERTH_BUILDKIT_ADDR"},
		{map[string]string{"BERTH_BUILDER": "buildkit", "BERTH_BUILDKIT_ADDR": "worker:1234"}, "BERTH_BUILDKIT_ADDR"},
		{map[string]string{"BERTH_BUILDKIT_ADDR": "tcp://worker:1234"}, "BERTH_BUILDKIT_ADDR"},
		{map[string]string{"BERTH_BUILDER": "buildkit", "BERTH_BUILDKIT_ADDR": "tcp://w:1", "BERTH_BUILDKIT_TLS_CERT": ca}, "BERTH_BUILDKIT_TLS_CERT"},
		{map[string]string{"BERTH_BUILDER": "buildkit", "BERTH_BUILDKIT_ADDR": "tcp://w:1", "BERTH_BUILDKIT_TLS_CA": "/nonexistent/ca.pem"}, "BERTH_BUILDKIT_TLS_CA"},
		{map[string]string{"BERTH_BUILD_ALLOWED_BASE_HOSTS": "https://mirror.example.com"}, "BERTH_BUILD_ALLOWED_BASE_HOSTS"},
		{map[string]string{"BERTH_BUILDKIT_SHARE_CACHE": "maybe"}, "BERTH_BUILDKIT_SHARE_CACHE"},
	} {
		err := parse(c.env)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v; want an error naming %s", c.env, err, c.want)
		}
	}
}
