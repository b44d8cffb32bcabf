package directory

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// ProviderLDAP is the provider name of the LDAP directory in links and
// mappings.
const ProviderLDAP = "ldap"

// maxPassword bounds the passwords sent to the directory.
const maxPassword = 1024

// LDAP signs people in against an LDAP or Active Directory server by
// search-then-bind: the service account finds exactly one entry for the
// username, then the connection binds as that entry with the password.
type LDAP struct {
	cfg  LDAPConfig
	pool *pool
}

// NewLDAP validates cfg and returns a client; it connects lazily.
func NewLDAP(cfg LDAPConfig) (*LDAP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	tc, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	return &LDAP{cfg: cfg, pool: newPool(cfg, tc)}, nil
}

// Close closes the idle connections.
func (l *LDAP) Close() { l.pool.close() }

// Provider names this directory in links and mappings.
func (l *LDAP) Provider() string { return ProviderLDAP }

// Authenticate returns the identity, groups included, of the person whose
// username and password the directory accepts, or ErrBadCredentials. An
// empty password is refused before anything is sent: many directories
// answer an empty-password bind with success (an "unauthenticated bind").
func (l *LDAP) Authenticate(ctx context.Context, username, password string) (Identity, error) {
	if strings.TrimSpace(username) == "" || password == "" || len(password) > maxPassword || len(username) > 256 {
		return Identity{}, ErrBadCredentials
	}
	var id Identity
	err := l.pool.do(ctx, func(c *ldap.Conn) error {
		entry, err := l.findUser(c, username)
		if err != nil {
			return err
		}
		bindErr := c.Bind(entry.DN, password)
		// Whatever the user bind did, the connection goes back to the
		// service account before it is used again, or is dropped.
		if err := l.pool.serviceBind(c); err != nil {
			return err
		}
		if ldap.IsErrorWithCode(bindErr, ldap.LDAPResultInvalidCredentials) {
			return ErrBadCredentials
		} else if bindErr != nil {
			return unavailable(fmt.Errorf("binding as %s: %w", entry.DN, bindErr))
		}
		id, err = l.identity(c, entry)
		return err
	})
	return id, err
}

// Lookup returns the current identity of the person with the stable ID
// externalID, or ErrGone when the directory no longer has them, has
// disabled them, or their entry no longer passes the user filter. The
// periodic sync calls it for every linked account.
func (l *LDAP) Lookup(ctx context.Context, externalID string) (Identity, error) {
	var id Identity
	err := l.pool.do(ctx, func(c *ldap.Conn) error {
		entry, err := l.byID(c, externalID)
		if err != nil {
			return err
		}
		again, err := l.findUser(c, entry.GetAttributeValue(l.cfg.UsernameAttr))
		if errors.Is(err, ErrBadCredentials) || (err == nil && l.stableID(again) != externalID) {
			return ErrGone
		} else if err != nil {
			return err
		}
		id, err = l.identity(c, again)
		return err
	})
	return id, err
}

// Find returns the identity of the enabled person with username, without
// a password: what an admin links an existing account to. Nobody is
// ErrNotFound.
func (l *LDAP) Find(ctx context.Context, username string) (Identity, error) {
	if strings.TrimSpace(username) == "" {
		return Identity{}, ErrNotFound
	}
	var id Identity
	err := l.pool.do(ctx, func(c *ldap.Conn) error {
		entry, err := l.findUser(c, username)
		if errors.Is(err, ErrBadCredentials) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		id, err = l.identity(c, entry)
		return err
	})
	return id, err
}

// CheckReport is what a "test connection" found.
type CheckReport struct {
	// BoundAs is the service account the directory accepted.
	BoundAs string
	// Probe is the identity of the username the admin asked about, groups
	// included; nil when none was given.
	Probe *Identity
}

// Check binds as the service account, reads the user base and, when probe
// is set, finds that person and their groups: the "test connection" an
// admin runs after changing the configuration. Its errors name the
// setting at fault.
func (l *LDAP) Check(ctx context.Context, probe string) (CheckReport, error) {
	r := CheckReport{BoundAs: l.cfg.BindDN}
	err := l.pool.do(ctx, func(c *ldap.Conn) error {
		req := ldap.NewSearchRequest(l.cfg.UserBase, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1,
			l.timeLimit(), false, "(objectClass=*)", []string{"1.1"}, nil)
		if _, err := c.Search(req); ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return &InvalidError{Field: "BERTH_LDAP_USER_BASE", Message: l.cfg.UserBase + " does not exist in the directory"}
		} else if err != nil {
			return unavailable(fmt.Errorf("reading BERTH_LDAP_USER_BASE %s: %w", l.cfg.UserBase, err))
		}
		if probe == "" {
			return nil
		}
		entry, err := l.findUser(c, probe)
		if errors.Is(err, ErrBadCredentials) {
			return &InvalidError{Field: "BERTH_LDAP_USER_FILTER", Message: "no enabled person matches it for " + probe}
		} else if err != nil {
			return err
		}
		id, err := l.identity(c, entry)
		r.Probe = &id
		return err
	})
	if err != nil {
		return CheckReport{}, err
	}
	return r, nil
}

func (l *LDAP) timeLimit() int { return int(l.cfg.Timeout.Seconds()) + 1 }

// attrs are the attributes read from a person's entry.
func (l *LDAP) attrs() []string {
	a := []string{l.cfg.UsernameAttr, l.cfg.EmailAttr, l.cfg.NameAttr}
	if !strings.EqualFold(l.cfg.IDAttr, "dn") {
		a = append(a, l.cfg.IDAttr)
	}
	return a
}

// enabled narrows filter to people who are not disabled.
func (l *LDAP) enabled(filter string) string {
	if l.cfg.DisabledFilter == "" {
		return filter
	}
	return "(&" + filter + "(!" + l.cfg.DisabledFilter + "))"
}

// findUser returns the one enabled entry the user filter matches for
// username (escaped, so that "*)(uid=*" matches nobody), ErrBadCredentials
// for none and ErrAmbiguous for more.
func (l *LDAP) findUser(c *ldap.Conn, username string) (*ldap.Entry, error) {
	filter := l.enabled(fmt.Sprintf(l.cfg.UserFilter, ldap.EscapeFilter(username)))
	return l.one(c, filter, ErrBadCredentials)
}

// byID returns the enabled entry with the stable ID, or ErrGone.
func (l *LDAP) byID(c *ldap.Conn, externalID string) (*ldap.Entry, error) {
	if strings.EqualFold(l.cfg.IDAttr, "dn") {
		req := ldap.NewSearchRequest(externalID, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, l.timeLimit(),
			false, l.enabled("(objectClass=*)"), l.attrs(), nil)
		res, err := c.Search(req)
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) || (err == nil && len(res.Entries) == 0) {
			return nil, ErrGone
		} else if err != nil {
			return nil, unavailable(fmt.Errorf("reading %s: %w", externalID, err))
		}
		return res.Entries[0], nil
	}
	value := ldap.EscapeFilter(externalID)
	if strings.EqualFold(l.cfg.IDAttr, "objectGUID") {
		raw, err := hex.DecodeString(externalID)
		if err != nil {
			return nil, ErrGone
		}
		value = escapeBytes(raw)
	}
	return l.one(c, l.enabled("("+l.cfg.IDAttr+"="+value+")"), ErrGone)
}

// one searches the user base for filter and returns its single entry,
// none for zero entries, ErrAmbiguous for more.
func (l *LDAP) one(c *ldap.Conn, filter string, none error) (*ldap.Entry, error) {
	req := ldap.NewSearchRequest(l.cfg.UserBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 2,
		l.timeLimit(), false, filter, l.attrs(), nil)
	res, err := c.Search(req)
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded):
		return nil, ErrAmbiguous
	case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
		return nil, none
	case err != nil:
		return nil, unavailable(fmt.Errorf("searching %s: %w", l.cfg.UserBase, err))
	case len(res.Entries) == 0:
		return nil, none
	case len(res.Entries) > 1:
		return nil, ErrAmbiguous
	}
	return res.Entries[0], nil
}

// stableID is the entry's ID: hex for AD's binary objectGUID.
func (l *LDAP) stableID(e *ldap.Entry) string {
	switch {
	case strings.EqualFold(l.cfg.IDAttr, "dn"):
		return e.DN
	case strings.EqualFold(l.cfg.IDAttr, "objectGUID"):
		return hex.EncodeToString(e.GetRawAttributeValue(l.cfg.IDAttr))
	}
	return e.GetAttributeValue(l.cfg.IDAttr)
}

// identity reads the person's attributes and groups.
func (l *LDAP) identity(c *ldap.Conn, e *ldap.Entry) (Identity, error) {
	id := Identity{Provider: ProviderLDAP, ID: l.stableID(e), DN: e.DN,
		Username: e.GetAttributeValue(l.cfg.UsernameAttr), Email: e.GetAttributeValue(l.cfg.EmailAttr),
		DisplayName: e.GetAttributeValue(l.cfg.NameAttr)}
	if id.ID == "" {
		return Identity{}, fmt.Errorf("the directory entry %s has no %s (BERTH_LDAP_ID_ATTR)", e.DN, l.cfg.IDAttr)
	}
	if id.Username == "" {
		return Identity{}, fmt.Errorf("the directory entry %s has no %s (BERTH_LDAP_USERNAME_ATTR)", e.DN, l.cfg.UsernameAttr)
	}
	groups, err := l.groups(c, id)
	if err != nil {
		return Identity{}, err
	}
	id.Groups = groups
	return id, nil
}

// groups lists the names of the groups the group filter finds for id.
func (l *LDAP) groups(c *ldap.Conn, id Identity) ([]string, error) {
	if l.cfg.GroupBase == "" {
		return nil, nil
	}
	member := id.DN
	if l.cfg.GroupMemberUsername {
		member = id.Username
	}
	req := ldap.NewSearchRequest(l.cfg.GroupBase, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0,
		l.timeLimit(), false, fmt.Sprintf(l.cfg.GroupFilter, ldap.EscapeFilter(member)), []string{l.cfg.GroupNameAttr}, nil)
	res, err := c.Search(req)
	if err != nil {
		return nil, unavailable(fmt.Errorf("searching groups in %s: %w", l.cfg.GroupBase, err))
	}
	var out []string
	for _, e := range res.Entries {
		if name := e.GetAttributeValue(l.cfg.GroupNameAttr); name != "" {
			out = append(out, name)
		}
	}
	return out, nil
}

// escapeBytes escapes every byte of a binary value for a filter.
func escapeBytes(b []byte) string {
	var sb strings.Builder
	for _, x := range b {
		fmt.Fprintf(&sb, "\\%02x", x)
	}
	return sb.String()
}
