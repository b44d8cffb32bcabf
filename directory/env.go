package directory

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Settings is the directory's part of Berth's configuration, read from
// BERTH_* variables by FromEnv.
type Settings struct {
	// Enabled is true when BERTH_LDAP_URL is set.
	Enabled bool
	LDAP    LDAPConfig
	Options Options
	// SyncEvery is how often the periodic Sync runs (default 15 minutes).
	SyncEvery time.Duration
	// OIDC are the providers BERTH_OIDC_PROVIDERS names, in its order.
	// RedirectURL is empty unless BERTH_OIDC_<NAME>_REDIRECT_URL sets it:
	// the server fills in <public URL>/signin/oidc/<name>/callback.
	OIDC []OIDCConfig
}

// FromEnv reads the directory settings through lookup (os.LookupEnv in
// cmd/berth: nothing below cmd reads the environment itself) and validates
// them, naming every bad variable. Without BERTH_LDAP_URL the LDAP
// directory is off and no other BERTH_LDAP_* is read.
func FromEnv(lookup func(string) (string, bool)) (Settings, error) {
	providers, err := oidcFromEnv(lookup)
	if err != nil {
		return Settings{}, err
	}
	s, err := ldapFromEnv(lookup)
	s.OIDC = providers
	return s, err
}

// oidcFromEnv reads BERTH_OIDC_PROVIDERS (names separated by commas) and,
// for each name, BERTH_OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET,
// _DISPLAY_NAME, _GROUPS_CLAIM, _USERNAME_CLAIM, _SCOPES (space-separated)
// and _REDIRECT_URL.
func oidcFromEnv(lookup func(string) (string, bool)) ([]OIDCConfig, error) {
	list, _ := lookup("BERTH_OIDC_PROVIDERS")
	var (
		out  []OIDCConfig
		errs []error
	)
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		prefix := "BERTH_OIDC_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + "_"
		get := func(k string) string { v, _ := lookup(prefix + k); return v }
		c := OIDCConfig{Name: name, DisplayName: get("DISPLAY_NAME"), Issuer: get("ISSUER"), ClientID: get("CLIENT_ID"),
			ClientSecret: Secret(get("CLIENT_SECRET")), RedirectURL: get("REDIRECT_URL"),
			GroupsClaim: get("GROUPS_CLAIM"), UsernameClaim: get("USERNAME_CLAIM"), Scopes: strings.Fields(get("SCOPES"))}
		if c.DisplayName == "" {
			c.DisplayName = name
		}
		check := c
		if check.RedirectURL == "" {
			check.RedirectURL = "https://berth.invalid/callback" // filled in by the server
		}
		if err := check.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s*: %w", prefix, err))
		}
		out = append(out, c)
	}
	return out, errors.Join(errs...)
}

// ldapFromEnv reads the BERTH_LDAP_* settings.
func ldapFromEnv(lookup func(string) (string, bool)) (Settings, error) {
	get := func(name, def string) string {
		if v, ok := lookup(name); ok && v != "" {
			return v
		}
		return def
	}
	var errs []error
	boolean := func(name string, def bool) bool {
		v := get(name, strconv.FormatBool(def))
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, &InvalidError{Field: name, Message: "use true or false"})
		}
		return b
	}
	duration := func(name string, def time.Duration) time.Duration {
		d, err := time.ParseDuration(get(name, def.String()))
		if err != nil || d <= 0 {
			errs = append(errs, &InvalidError{Field: name, Message: "use a positive duration such as 30s or 15m"})
		}
		return d
	}
	s := Settings{LDAP: LDAPConfig{URL: get("BERTH_LDAP_URL", "")}}
	if s.LDAP.URL == "" {
		return Settings{}, nil
	}
	s.Enabled = true
	c := &s.LDAP
	c.StartTLS = boolean("BERTH_LDAP_STARTTLS", false)
	c.InsecureNoTLS = boolean("BERTH_LDAP_INSECURE_NO_TLS", false)
	c.CAPEM = []byte(get("BERTH_LDAP_CA", ""))
	c.ServerName = get("BERTH_LDAP_SERVER_NAME", "")
	c.BindDN, c.BindPassword = get("BERTH_LDAP_BIND_DN", ""), Secret(get("BERTH_LDAP_BIND_PASSWORD", ""))
	c.UserBase, c.UserFilter = get("BERTH_LDAP_USER_BASE", ""), get("BERTH_LDAP_USER_FILTER", "(uid=%s)")
	c.DisabledFilter = get("BERTH_LDAP_DISABLED_FILTER", "")
	c.UsernameAttr, c.EmailAttr = get("BERTH_LDAP_USERNAME_ATTR", ""), get("BERTH_LDAP_EMAIL_ATTR", "")
	c.NameAttr, c.IDAttr = get("BERTH_LDAP_NAME_ATTR", ""), get("BERTH_LDAP_ID_ATTR", "")
	c.GroupBase, c.GroupFilter = get("BERTH_LDAP_GROUP_BASE", ""), get("BERTH_LDAP_GROUP_FILTER", "(member=%s)")
	c.GroupNameAttr = get("BERTH_LDAP_GROUP_NAME_ATTR", "")
	switch member := get("BERTH_LDAP_GROUP_MEMBER", "dn"); member {
	case "dn":
	case "username":
		c.GroupMemberUsername = true
	default:
		errs = append(errs, &InvalidError{Field: "BERTH_LDAP_GROUP_MEMBER", Message: "use dn (member=<DN>) or username (memberUid=<name>)"})
	}
	c.Timeout = duration("BERTH_LDAP_TIMEOUT", 10*time.Second)
	c.DialTimeout = c.Timeout
	if n, err := strconv.Atoi(get("BERTH_LDAP_MAX_CONNS", "4")); err != nil || n < 1 || n > 256 {
		errs = append(errs, &InvalidError{Field: "BERTH_LDAP_MAX_CONNS", Message: "use a number from 1 to 256"})
	} else {
		c.MaxConns = n
	}
	s.Options.DisableLocal = !boolean("BERTH_LOCAL_SIGNIN", true)
	s.Options.CacheFor = duration("BERTH_LDAP_CACHE", time.Minute)
	s.SyncEvery = duration("BERTH_LDAP_SYNC_EVERY", 15*time.Minute)
	if err := errors.Join(errs...); err != nil {
		return Settings{}, err
	}
	if err := c.Validate(); err != nil {
		return Settings{}, fmt.Errorf("directory settings: %w", err)
	}
	return s, nil
}
