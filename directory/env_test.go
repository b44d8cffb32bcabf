package directory_test

import (
	"strings"
	"testing"
	"time"

	"github.com/berth/berth/directory"
)

func lookup(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestFromEnv(t *testing.T) {
	if s, err := directory.FromEnv(lookup(nil)); err != nil || s.Enabled {
		t.Errorf("no BERTH_LDAP_URL: %+v, %v; want off", s, err)
	}
	vars := map[string]string{
		"BERTH_LDAP_URL": "ldap://dir.example.com", "BERTH_LDAP_STARTTLS": "true",
		"BERTH_LDAP_BIND_DN": "cn=berth", "BERTH_LDAP_BIND_PASSWORD": "hunter2-secret",
		"BERTH_LDAP_USER_BASE": "ou=people,dc=example,dc=com", "BERTH_LDAP_GROUP_BASE": "ou=groups,dc=example,dc=com",
		"BERTH_LDAP_GROUP_FILTER": "(memberUid=%s)", "BERTH_LDAP_GROUP_MEMBER": "username",
		"BERTH_LOCAL_SIGNIN": "false", "BERTH_LDAP_CACHE": "30s",
	}
	s, err := directory.FromEnv(lookup(vars))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Enabled || s.LDAP.UserFilter != "(uid=%s)" || !s.LDAP.GroupMemberUsername || !s.Options.DisableLocal ||
		s.Options.CacheFor != 30*time.Second || s.SyncEvery != 15*time.Minute || s.LDAP.BindPassword.Reveal() != "hunter2-secret" {
		t.Errorf("settings = %+v", s)
	}
	vars["BERTH_LDAP_STARTTLS"], vars["BERTH_LDAP_CACHE"] = "maybe", "-1s"
	_, err = directory.FromEnv(lookup(vars))
	if err == nil || !strings.Contains(err.Error(), "BERTH_LDAP_STARTTLS") || !strings.Contains(err.Error(), "BERTH_LDAP_CACHE") ||
		strings.Contains(err.Error(), "hunter2") {
		t.Errorf("bad settings: %v", err)
	}
}

func TestOIDCFromEnv(t *testing.T) {
	_, err := directory.FromEnv(lookup(map[string]string{
		"BERTH_OIDC_PROVIDERS":          "corp, google",
		"BERTH_OIDC_CORP_ISSUER":        "https://login.corp.example/realms/corp",
		"BERTH_OIDC_CORP_CLIENT_ID":     "berth",
		"BERTH_OIDC_CORP_CLIENT_SECRET": "s3cret-value",
		"BERTH_OIDC_CORP_SCOPES":        "groups",
		"BERTH_OIDC_GOOGLE_ISSUER":      "https://accounts.google.com",
	}))
	if err == nil || !strings.Contains(err.Error(), "BERTH_OIDC_GOOGLE_") || !strings.Contains(err.Error(), "client_id") ||
		strings.Contains(err.Error(), "s3cret") {
		t.Errorf("google without a client ID: %v", err)
	}
	s, err := directory.FromEnv(lookup(map[string]string{
		"BERTH_OIDC_PROVIDERS":      "corp",
		"BERTH_OIDC_CORP_ISSUER":    "https://login.corp.example/realms/corp",
		"BERTH_OIDC_CORP_CLIENT_ID": "berth", "BERTH_OIDC_CORP_SCOPES": "groups offline_access",
	}))
	if err != nil || s.Enabled || len(s.OIDC) != 1 || s.OIDC[0].Name != "corp" || s.OIDC[0].DisplayName != "corp" ||
		len(s.OIDC[0].Scopes) != 2 {
		t.Errorf("one OIDC provider, no LDAP: %+v, %v", s, err)
	}
}
