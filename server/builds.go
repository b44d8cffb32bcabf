package server

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"strings"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/builds"
	"github.com/berth/berth/internal/netguard"
	"github.com/berth/berth/jobs"
)

// buildPoll is how often an idle build worker looks for builds another
// instance queued; a build queued here wakes this instance's workers at
// once. It sets the idle build queue's cost: one claim query per worker
// per poll.
const buildPoll = 5 * time.Second

// openBuilds makes the builds service and the queue it runs on: a queue
// over the same job store whose workers (BuildConcurrency) take only
// build jobs, so that long builds never hold the workers of webhooks and
// registry events. registryURL is the registry's URL as clients know it:
// builds push there, and Dockerfiles name their FROM images by its host.
func (b *Backend) openBuilds(cfg Config, registryURL, publicURL string) {
	u, _ := url.Parse(registryURL)
	var builder builds.Builder
	if _, err := exec.LookPath(cfg.BuildahPath); err != nil {
		why := fmt.Sprintf("buildah was not found (%s): install buildah on the Berth host, or set BERTH_BUILDAH to its path", cfg.BuildahPath)
		b.log.Warn("automated builds will fail: "+why, "err", err)
		builder = builds.Unavailable{Why: why}
	} else {
		builder = builds.NewBuildah(builds.BuildahConfig{Path: cfg.BuildahPath, Workspaces: cfg.BuildWorkspace,
			Timeout: cfg.BuildTimeout, LogLimit: cfg.BuildLogLimit, PlainHTTP: u.Scheme == "http"})
	}
	guard := &netguard.Guard{AllowPrivate: cfg.AllowPrivateNetworks}
	b.BuildJobs = jobs.New(jobs.Config{Workers: cfg.BuildConcurrency, Lease: cfg.JobLease, Poll: buildPoll}, b.Stores.Jobs, b.log)
	b.Builds = builds.New(builds.Options{Registry: u.Host, PublicURL: publicURL, PerAccount: cfg.BuildAccountConcurrency,
		Timeout: cfg.BuildTimeout, LogLimit: cfg.BuildLogLimit},
		builds.Deps{Store: b.Stores.Builds, Sealer: b.Sealer, Queue: b.BuildJobs, Sources: builds.NewFetcher(guard, cfg.BuildWorkspace),
			Builder: builder, Credentials: buildCredentials{b.Accounts}, Log: b.log,
			OnDone: b.buildDone})
	b.BuildJobs.Handle(builds.JobKind, b.Builds.RunJob)
}

// buildCredentials mints builds' registry credentials: a build token of
// the repository's owner. A user's repository builds with the user's
// pulls; an organisation's with one of its owners', limited to the
// organisation's namespace and what is public, so that a member who can
// push to the Git source cannot pull an owner's own private images.
type buildCredentials struct{ accounts *account.Service }

func (c buildCredentials) Issue(ctx context.Context, repo string, ttl time.Duration) (string, builds.Secret, func(context.Context) error, error) {
	userID, limits, err := c.owner(ctx, repo)
	if err != nil {
		return "", "", nil, err
	}
	u, err := c.accounts.User(ctx, userID)
	if err != nil {
		return "", "", nil, fmt.Errorf("reading the owner of %s: %w", repo, err)
	}
	t, secret, err := c.accounts.CreateBuildToken(ctx, userID, repo, limits, time.Now().Add(ttl))
	if err != nil {
		return "", "", nil, err
	}
	revoke := func(ctx context.Context) error {
		err := c.accounts.RevokeToken(ctx, userID, t.ID)
		if errors.Is(err, account.ErrNotFound) {
			return nil
		}
		return err
	}
	return u.Username, builds.Secret(secret), revoke, nil
}

// owner is whose rights repo's builds use, and within which limits.
func (c buildCredentials) owner(ctx context.Context, repo string) (string, []string, error) {
	ns, _, _ := strings.Cut(repo, "/")
	n, err := c.accounts.Namespace(ctx, ns)
	if err != nil {
		return "", nil, fmt.Errorf("reading the owner of %s: %w", repo, err)
	}
	if n.Kind == account.NamespaceUser {
		return n.OwnerID, nil, nil
	}
	org, err := c.accounts.Org(ctx, ns)
	if err != nil {
		return "", nil, fmt.Errorf("reading organisation %s: %w", ns, err)
	}
	for _, m := range org.Members {
		if m.Role == account.RoleOwner {
			return m.UserID, []string{ns}, nil
		}
	}
	return "", nil, fmt.Errorf("organisation %s has no owner to build as", ns)
}
