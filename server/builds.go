package server

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/builds"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/netguard"
	"github.com/berth/berth/jobs"
	"github.com/berth/berth/publisher"
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
	builder := b.newBuilder(cfg, u.Scheme == "http")
	creds := buildCredentials{accounts: b.Accounts, publishers: b.Publishers, products: b.Stores.Catalog}
	guard := &netguard.Guard{AllowPrivate: cfg.AllowPrivateNetworks}
	b.BuildJobs = jobs.New(jobs.Config{Workers: cfg.BuildConcurrency, Lease: cfg.JobLease, Poll: buildPoll}, b.Stores.Jobs, b.log)
	b.Builds = builds.New(builds.Options{Registry: u.Host, PublicURL: publicURL, PerAccount: cfg.BuildAccountConcurrency,
		Timeout: cfg.BuildTimeout, LogLimit: cfg.BuildLogLimit},
		builds.Deps{Store: b.Stores.Builds, Sealer: b.Sealer, Queue: b.BuildJobs, Sources: builds.NewFetcher(guard, cfg.BuildWorkspace),
			Builder: builder, Credentials: creds, Owners: creds, Publishers: buildPublishers{b},
			Bases: builds.NewPreflight(builds.BaseConfig{RegistryHost: u.Host, AllowedHosts: cfg.BuildAllowedBaseHosts}, b.BasePulls),
			Log:   b.log, OnDone: b.buildDone})
	b.BuildJobs.Handle(builds.JobKind, b.Builds.RunJob)
}

// buildCredentials mints builds' registry credentials: a build token of
// the repository's owner. A user's repository builds with the user's
// pulls; an organisation's with one of its owners', limited to the
// organisation's namespace and what is public, so that a member who can
// push to the Git source cannot pull an owner's own private images.
type buildCredentials struct {
	accounts   *account.Service
	publishers *publisher.Service
	products   productRepositories
}

// productRepositories names the product shipping a repository.
type productRepositories interface {
	ProductByRepository(ctx context.Context, repo string) (string, error)
	ProductBySlug(ctx context.Context, slug string) (catalog.Product, error)
}

// productPublisher is the approved publisher whose product ships repo (a
// "staging/" prefix taken off), if any. Only a product's repository builds
// as its publisher, into staging, as access.Builds decides who manages
// those builds; any other repository in a publisher's namespace is its
// user's or organisation's.
func productPublisher(ctx context.Context, products productRepositories, publishers *publisher.Service, repo string) (publisher.Publisher, bool, error) {
	slug, err := products.ProductByRepository(ctx, strings.TrimPrefix(repo, builds.StagingPrefix))
	if errors.Is(err, catalog.ErrNotFound) {
		return publisher.Publisher{}, false, nil
	} else if err != nil {
		return publisher.Publisher{}, false, fmt.Errorf("reading the product of %s: %w", repo, err)
	}
	prod, err := products.ProductBySlug(ctx, slug)
	if err != nil {
		return publisher.Publisher{}, false, fmt.Errorf("reading product %s: %w", slug, err)
	}
	pub, err := publishers.PublisherBySlug(ctx, prod.Publisher)
	if errors.Is(err, publisher.ErrNotFound) {
		return publisher.Publisher{}, false, nil
	} else if err != nil {
		return publisher.Publisher{}, false, fmt.Errorf("reading publisher %s: %w", prod.Publisher, err)
	}
	return pub, pub.Status == publisher.StatusApproved, nil
}

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

// Owner is the account whose rights repo's builds pull their bases with:
// the same user the build credential is minted for.
func (c buildCredentials) Owner(ctx context.Context, repo string) (builds.Owner, error) {
	userID, _, err := c.owner(ctx, repo)
	if err != nil {
		return builds.Owner{}, err
	}
	u, err := c.accounts.User(ctx, userID)
	if err != nil {
		return builds.Owner{}, fmt.Errorf("reading the owner of %s: %w", repo, err)
	}
	return builds.Owner{ID: u.ID, Name: u.Username}, nil
}

// owner is whose rights repo's builds use, and within which limits.
func (c buildCredentials) owner(ctx context.Context, repo string) (string, []string, error) {
	ns, _, _ := strings.Cut(strings.TrimPrefix(repo, builds.StagingPrefix), "/")
	if p, ok, err := productPublisher(ctx, c.products, c.publishers, repo); err != nil {
		return "", nil, err
	} else if ok {
		// A publisher's repository builds as one of its owners, pulling
		// within its namespace, its staging (where the build's own push
		// checks for blobs) and what is public, pushing to staging.
		for _, id := range p.Members {
			if p.Roles[id] == publisher.RoleOwner {
				return id, []string{ns, builds.StagingPrefix + ns}, nil
			}
		}
		return "", nil, fmt.Errorf("publisher %s has no owner to build as", p.Slug)
	}
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

// buildPublishers sends the builds of an approved publisher's
// repositories to its staging namespace and signs them with its build
// key (publisher.BuildKeys).
type buildPublishers struct{ b *Backend }

func (p buildPublishers) PublisherOf(ctx context.Context, repo string) (string, error) {
	pub, ok, err := productPublisher(ctx, p.b.Stores.Catalog, p.b.Publishers, repo)
	if err != nil || !ok {
		return "", err
	}
	return pub.Slug, nil
}

func (p buildPublishers) SignStaged(ctx context.Context, slug, stagingRepo, digest string) error {
	if p.b.BuildKeys == nil {
		return builds.ErrNoBuildKey
	}
	err := p.b.BuildKeys.SignStaged(ctx, slug, stagingRepo, digest)
	if errors.Is(err, publisher.ErrNoBuildKey) || errors.Is(err, publisher.ErrBuildKeyRevoked) {
		return fmt.Errorf("%w: %w", builds.ErrNoBuildKey, err)
	}
	return err
}
