package directory

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/audit"
)

// Directory is a source of identities: the LDAP client, later an OIDC
// provider's adapter. Authenticate checks a password; Find reads a person
// by username without one (for an admin's link); Lookup re-reads a linked
// person for the periodic sync (ErrGone when they left).
type Directory interface {
	Provider() string
	Authenticate(ctx context.Context, username, password string) (Identity, error)
	Find(ctx context.Context, username string) (Identity, error)
	Lookup(ctx context.Context, externalID string) (Identity, error)
}

// Accounts is what the directory needs of the account domain
// (*account.Service provides it).
type Accounts interface {
	User(ctx context.Context, id string) (account.User, error)
	UserByUsername(ctx context.Context, username string) (account.User, error)
	Authenticate(ctx context.Context, username, password string) (account.User, error)
	Attempt(ctx context.Context, username string) (func(ok bool), error)
	CreateExternalUser(ctx context.Context, username, email string) (account.User, error)
	SetExternalDisabled(ctx context.Context, userID string, disabled bool) (account.User, error)
	Org(ctx context.Context, name string) (account.Org, error)
	SyncMembership(ctx context.Context, org, userID string, role account.Role, teams map[string]bool) (account.Org, []account.MembershipChange, error)
}

// Recorder writes the security audit log (*audit.Service provides it).
type Recorder interface {
	Record(ctx context.Context, e audit.Event) error
}

// Options tune a Service; zero fields take defaults.
type Options struct {
	// DisableLocal switches local passwords off for everyone but admins,
	// who keep theirs so that a broken directory never locks Berth out.
	DisableLocal bool
	// CacheFor bounds how long a verified directory password is trusted
	// without asking the directory again (default one minute): a person
	// disabled in the directory is refused at their first token after it.
	CacheFor time.Duration
	// CacheMax bounds the cached entries (default 10,000).
	CacheMax int
	// Now is the clock; time.Now by default.
	Now func() time.Time
}

// Service signs people in through a directory, links and creates their
// accounts, and applies group mappings.
type Service struct {
	dir      Directory
	store    Store
	accounts Accounts
	log      Recorder
	opts     Options
	cache    *verifiedCache
}

// New returns a Service.
func New(dir Directory, store Store, accounts Accounts, log Recorder, opts Options) *Service {
	if opts.CacheFor == 0 {
		opts.CacheFor = time.Minute
	}
	if opts.CacheMax == 0 {
		opts.CacheMax = 10000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{dir: dir, store: store, accounts: accounts, log: log, opts: opts,
		cache: newVerifiedCache(opts.CacheFor, opts.CacheMax)}
}

// CacheFor is the bound on a verified directory password's reuse.
func (s *Service) CacheFor() time.Duration { return s.opts.CacheFor }

// invalidName is what a directory username may hold that a Berth name may not.
var invalidName = regexp.MustCompile(`[^a-z0-9_-]+`)

// BerthName turns a directory username into a Berth username:
// lower-case, with each run of other characters ("." "@" " ") made one
// '-', and trimmed of leading and trailing '-' and '_'. "Alice.Smith" is
// "alice-smith". A result that is still not a valid name (too short or too
// long) makes account creation refuse the person with a clear message.
func BerthName(username string) string {
	name := invalidName.ReplaceAllString(strings.ToLower(strings.TrimSpace(username)), "-")
	return strings.Trim(name, "-_")
}

// record writes e to the audit log. A failure to record is returned: the
// change it describes has happened, and the caller reports both.
func (s *Service) record(ctx context.Context, e audit.Event) error {
	if s.log == nil {
		return nil
	}
	if e.Credential == "" {
		e.Credential = audit.CredentialDirectory
	}
	return s.log.Record(context.WithoutCancel(ctx), e)
}

// Check tests the directory's connection for an admin (the "test
// connection" button and API) and reports what it found about probe, a
// username. A directory that cannot be searched (an OIDC provider) is
// ErrUnavailable.
func (s *Service) Check(ctx context.Context, admin account.User, probe string) (CheckReport, error) {
	if !admin.Admin {
		return CheckReport{}, account.ErrForbidden
	}
	c, ok := s.dir.(interface {
		Check(ctx context.Context, probe string) (CheckReport, error)
	})
	if !ok {
		return CheckReport{}, ErrUnavailable
	}
	return c.Check(ctx, probe)
}
