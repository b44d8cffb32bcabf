package main

import (
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

// TestDirectoryFromEnvironment: BERTH_LDAP_* and BERTH_OIDC_* reach the
// server's configuration through directory.FromEnv, and a bad variable
// stops the command, named.
func TestDirectoryFromEnvironment(t *testing.T) {
	env := map[string]string{
		"BERTH_LDAP_URL": "ldaps://ldap.example.com:636", "BERTH_LDAP_BIND_DN": "cn=berth,dc=example,dc=com",
		"BERTH_LDAP_BIND_PASSWORD": "s3cret", "BERTH_LDAP_USER_BASE": "ou=people,dc=example,dc=com",
		"BERTH_LDAP_CACHE": "30s", "BERTH_OIDC_PROVIDERS": "corp",
		"BERTH_OIDC_CORP_ISSUER": "https://login.example.com/realms/corp", "BERTH_OIDC_CORP_CLIENT_ID": "berth",
	}
	parse := func() (bool, time.Duration, int, error) {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg, check := configFlags(fs, func(k string) string { return env[k] })
		if err := fs.Parse(nil); err != nil {
			t.Fatal(err)
		}
		err := check()
		return cfg.Directory.Enabled, cfg.Directory.Options.CacheFor, len(cfg.Directory.OIDC), err
	}
	if on, cache, providers, err := parse(); err != nil || !on || cache != 30*time.Second || providers != 1 {
		t.Errorf("directory settings: enabled %v, cache %s, %d OIDC providers, %v", on, cache, providers, err)
	}
	env["BERTH_LDAP_CACHE"] = "soon"
	if _, _, _, err := parse(); err == nil || !strings.Contains(err.Error(), "BERTH_LDAP_CACHE") {
		t.Errorf("a bad BERTH_LDAP_CACHE: %v, want it named", err)
	}
}
