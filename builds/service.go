package builds

import (
	"context"
	"log/slog"
	"strings"
	"time"
)

// Options sets how the service runs builds. Zero fields take the defaults
// New names.
type Options struct {
	// Registry is the host (host:port) of Berth's registry as the builder
	// reaches it: images are pushed to Registry/ns/repo:tag.
	Registry string
	// PublicURL is where forges reach Berth; hook URLs start with it.
	PublicURL string
	// PerAccount bounds the builds of one owner namespace that run at once
	// across every instance (default 1); the others wait, queued.
	PerAccount int
	// Timeout bounds one build: clone, build and push (default 30 min).
	Timeout time.Duration
	// LogLimit caps a build's log in bytes (default 4 MiB).
	LogLimit int64
	// Poll is how often a running build checks for a cancellation made on
	// any instance and extends its account slot (default 1 s).
	Poll time.Duration
	// SlotLease is how long an account slot stays held without being
	// extended: the wait after an instance dies mid-build before the
	// account's next build may start (default 30 s).
	SlotLease time.Duration
	// SlotWait is how long a build that found its account's slots taken
	// waits, queued, before it looks again (default 2 s).
	SlotWait time.Duration
}

// Queue is the durable job queue builds run on (a *jobs.Queue whose
// handler for JobKind is Service.RunJob).
type Queue interface {
	Enqueue(ctx context.Context, kind, id string, payload []byte) (bool, error)
}

// Sealer encrypts the secrets of a build configuration at rest
// (internal/kek implements it), so that a copy of the database alone
// holds no usable credential.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(stored, aad []byte) (plaintext []byte, stale bool, err error)
}

// Sources is what the service needs of Git remotes: a *Fetcher.
type Sources interface {
	Resolve(ctx context.Context, src Source, name string) (Ref, string, error)
	Clone(ctx context.Context, src Source, ref Ref, commit string) (*Checkout, error)
}

// Credentials mints the registry credential one build pulls and pushes
// with: the repository owner's, limited to pulling what the owner may
// pull and pushing to repo, expiring after ttl. revoke deletes it; the
// service calls it when the build ends.
type Credentials interface {
	Issue(ctx context.Context, repo string, ttl time.Duration) (username string, password Secret, revoke func(context.Context) error, err error)
}

// Deps are the service's collaborators.
type Deps struct {
	Store       Store
	Sealer      Sealer
	Queue       Queue
	Sources     Sources
	Builder     Builder
	Credentials Credentials
	// Bases checks a build's FROM images before it runs, by the rights
	// of the account Owners names (both set, or no check is made).
	Bases  Bases
	Owners Owners
	// Publishers sends publishers' builds through staging and the
	// signed-upload pipeline; nil builds every repository in place.
	Publishers Publishers
	Log        *slog.Logger
	// OnDone hears of every build that ends (succeeded, failed or
	// cancelled), once per end: where build.* webhooks and repository
	// links hook in. It must not block for long.
	OnDone func(ctx context.Context, r Record)
}

// Service is automated builds: repositories' build settings, builds
// started by forge pushes and by hand, run on the job queue, and their
// history and logs.
type Service struct {
	opts Options
	d    Deps
	now  func() time.Time
}

// New returns the service with opts' defaults filled in.
func New(opts Options, d Deps) *Service {
	if opts.PerAccount < 1 {
		opts.PerAccount = 1
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	if opts.LogLimit <= 0 {
		opts.LogLimit = defaultLogLimit
	}
	if opts.Poll <= 0 {
		opts.Poll = time.Second
	}
	if opts.SlotLease <= 0 {
		opts.SlotLease = 30 * time.Second
	}
	opts.SlotLease = max(opts.SlotLease, 3*opts.Poll)
	if opts.SlotWait <= 0 {
		opts.SlotWait = 2 * time.Second
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{opts: opts, d: d, now: time.Now}
}

// HookURL is where forge sends repo's push webhooks.
func (s *Service) HookURL(repo string, forge Forge) string {
	return strings.TrimSuffix(s.opts.PublicURL, "/") + "/api/v1/repositories/" + repo + "/builds/hook/" + string(forge)
}

// Forges lists the forges whose push webhooks Berth reads.
var Forges = []Forge{GitHub, GitLab, Bitbucket, Gitea}

// owner is the namespace that owns repo: whose rights and whose
// concurrency a build of it uses.
func owner(repo string) string {
	ns, _, _ := strings.Cut(repo, "/")
	return ns
}
