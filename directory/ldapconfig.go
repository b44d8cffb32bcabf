package directory

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// LDAPConfig is an LDAP or Active Directory connection, as an operator
// configures it (BERTH_LDAP_*). Zero durations and sizes take defaults.
type LDAPConfig struct {
	// URL is ldap://host:port (StartTLS is then required unless
	// InsecureNoTLS) or ldaps://host:port.
	URL string
	// StartTLS upgrades an ldap:// connection before anything is sent.
	StartTLS bool
	// InsecureNoTLS allows ldap:// without StartTLS: passwords then cross
	// the network in clear, so it is for a directory on loopback only.
	InsecureNoTLS bool
	// CAPEM are the certificates (PEM) that the directory's must chain to;
	// empty means the system roots.
	CAPEM []byte
	// ServerName overrides the name checked in the directory's certificate.
	ServerName string

	BindDN       string
	BindPassword Secret

	// UserBase is where people are searched; UserFilter has one %s, the
	// escaped username: (uid=%s), or (sAMAccountName=%s) for AD.
	UserBase   string
	UserFilter string
	// DisabledFilter, when set, matches disabled people, who may not sign
	// in: (pwdAccountLockedTime=*) with OpenLDAP's ppolicy, or
	// (userAccountControl:1.2.840.113556.1.4.803:=2) for AD.
	DisabledFilter string
	// Attributes: UsernameAttr (default uid), EmailAttr (mail),
	// NameAttr (cn), IDAttr (entryUUID; objectGUID for AD; "dn" for the DN).
	UsernameAttr string
	EmailAttr    string
	NameAttr     string
	IDAttr       string

	// GroupBase is where groups are searched ("" disables group lookup);
	// GroupFilter has one %s, the escaped member value: (member=%s) with
	// the person's DN, or (memberUid=%s) with GroupMemberUsername set.
	GroupBase           string
	GroupFilter         string
	GroupMemberUsername bool
	// GroupNameAttr names a group (default cn).
	GroupNameAttr string

	// DialTimeout bounds connecting (default 5 s), Timeout every operation
	// (default 10 s).
	DialTimeout time.Duration
	Timeout     time.Duration
	// MaxConns bounds the connections held to the directory (default 4).
	MaxConns int
}

// withDefaults returns c with the zero fields set to their defaults.
func (c LDAPConfig) withDefaults() LDAPConfig {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.UsernameAttr, "uid")
	def(&c.EmailAttr, "mail")
	def(&c.NameAttr, "cn")
	def(&c.IDAttr, "entryUUID")
	def(&c.GroupNameAttr, "cn")
	if c.DialTimeout == 0 {
		c.DialTimeout = 5 * time.Second
	}
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	if c.MaxConns == 0 {
		c.MaxConns = 4
	}
	return c
}

// Validate checks the configuration and names every bad setting by its
// environment variable.
func (c LDAPConfig) Validate() error {
	var errs []error
	bad := func(field, msg string) { errs = append(errs, &InvalidError{Field: field, Message: msg}) }
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "" || err != nil || u.Host == "":
		bad("BERTH_LDAP_URL", "give the directory as ldap://host:389 or ldaps://host:636")
	case u.Scheme == "ldaps" && c.StartTLS:
		bad("BERTH_LDAP_STARTTLS", "ldaps:// is already TLS; StartTLS is for ldap://")
	case u.Scheme == "ldap" && !c.StartTLS && !c.InsecureNoTLS:
		bad("BERTH_LDAP_STARTTLS", "ldap:// sends passwords in clear: set BERTH_LDAP_STARTTLS=true or use ldaps://")
	case u.Scheme != "ldap" && u.Scheme != "ldaps":
		bad("BERTH_LDAP_URL", "use ldap:// or ldaps://")
	}
	if c.BindDN == "" || c.BindPassword == "" {
		bad("BERTH_LDAP_BIND_DN", "give the service account's DN and password (BERTH_LDAP_BIND_PASSWORD): anonymous search is not supported")
	}
	if c.UserBase == "" {
		bad("BERTH_LDAP_USER_BASE", "say where people are, such as ou=people,dc=example,dc=com")
	}
	if strings.Count(c.UserFilter, "%s") != 1 || !strings.HasPrefix(c.UserFilter, "(") {
		bad("BERTH_LDAP_USER_FILTER", "use a filter with one %s for the username, such as (uid=%s)")
	}
	if c.GroupBase != "" && (strings.Count(c.GroupFilter, "%s") != 1 || !strings.HasPrefix(c.GroupFilter, "(")) {
		bad("BERTH_LDAP_GROUP_FILTER", "use a filter with one %s for the member, such as (member=%s)")
	}
	if c.DisabledFilter != "" && !strings.HasPrefix(c.DisabledFilter, "(") {
		bad("BERTH_LDAP_DISABLED_FILTER", "use a filter such as (pwdAccountLockedTime=*)")
	}
	if len(c.CAPEM) > 0 && !x509.NewCertPool().AppendCertsFromPEM(c.CAPEM) {
		bad("BERTH_LDAP_CA", "no PEM certificate found")
	}
	if c.DialTimeout < 0 || c.Timeout < 0 || c.MaxConns < 0 {
		bad("BERTH_LDAP_TIMEOUT", "timeouts and the connection limit cannot be negative")
	}
	return errors.Join(errs...)
}

// tlsConfig is the TLS the directory must pass: its certificate chains to
// CAPEM (or the system roots) and names the URL's host.
func (c LDAPConfig) tlsConfig() (*tls.Config, error) {
	u, err := url.Parse(c.URL)
	if err != nil {
		return nil, fmt.Errorf("parsing BERTH_LDAP_URL: %w", err)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: u.Hostname()}
	if c.ServerName != "" {
		cfg.ServerName = c.ServerName
	}
	if len(c.CAPEM) > 0 {
		cfg.RootCAs = x509.NewCertPool()
		cfg.RootCAs.AppendCertsFromPEM(c.CAPEM)
	}
	return cfg, nil
}
