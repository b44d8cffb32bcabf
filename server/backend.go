package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/access"
	"github.com/berth/berth/access/facts"
	"github.com/berth/berth/account"
	accountmongo "github.com/berth/berth/account/mongostore"
	accountsqlite "github.com/berth/berth/account/sqlitestore"
	"github.com/berth/berth/analytics"
	"github.com/berth/berth/audit"
	auditmongo "github.com/berth/berth/audit/mongostore"
	auditsqlite "github.com/berth/berth/audit/sqlitestore"
	"github.com/berth/berth/billing"
	billingmongo "github.com/berth/berth/billing/mongostore"
	billingsqlite "github.com/berth/berth/billing/sqlitestore"
	"github.com/berth/berth/builds"
	buildsmongo "github.com/berth/berth/builds/mongostore"
	buildssqlite "github.com/berth/berth/builds/sqlitestore"
	"github.com/berth/berth/catalog"
	catalogmongo "github.com/berth/berth/catalog/mongostore"
	catalogsqlite "github.com/berth/berth/catalog/sqlitestore"
	"github.com/berth/berth/directory"
	directorymongo "github.com/berth/berth/directory/mongostore"
	directorysqlite "github.com/berth/berth/directory/sqlitestore"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/jobs"
	jobsmongo "github.com/berth/berth/jobs/mongostore"
	jobssqlite "github.com/berth/berth/jobs/sqlitestore"
	"github.com/berth/berth/licensing"
	licensingmongo "github.com/berth/berth/licensing/mongostore"
	licensingsqlite "github.com/berth/berth/licensing/sqlitestore"
	"github.com/berth/berth/publisher"
	publishermongo "github.com/berth/berth/publisher/mongostore"
	publishersqlite "github.com/berth/berth/publisher/sqlitestore"
	"github.com/berth/berth/publishing"
	"github.com/berth/berth/registry"
	"github.com/berth/berth/webhooks"
	webhooksmongo "github.com/berth/berth/webhooks/mongostore"
	webhookssqlite "github.com/berth/berth/webhooks/sqlitestore"
)

// Stores is one backend's implementation of every domain store.
type Stores struct {
	Accounts     account.Stores
	Catalog      catalog.Store
	Repositories catalog.RepositoryStore
	Community    catalog.CommunityStore // search and Explore of the repositories
	Stars        catalog.StarStore
	Tags         catalog.TagStore
	Publishers   publisher.Store
	Withdrawals  publisher.WithdrawalStore // publishers' withdrawals of promoted tags
	Licenses     licensing.Store
	Refresh      licensing.RefreshStore
	Usage        licensing.UsageStore
	Handovers    licensing.HandoverStore // new license keys waiting to be shown once
	Billing      billing.Store
	Webhooks     webhooks.Store
	// Audit keeps the security audit log.
	Audit audit.Store
	// Jobs is the durable job queue's store.
	Jobs jobs.Store
	// Builds keeps automated builds' settings, records and logs.
	Builds builds.Store
	// Directory keeps the company directory's links and group mappings.
	Directory directory.Store
	// Ping checks that the database answers.
	Ping func(ctx context.Context) error
	// Close releases the database.
	Close func(ctx context.Context) error
}

// OpenStores opens MongoDB when cfg.MongoURI is set, else the SQLite file
// in the data directory.
func OpenStores(ctx context.Context, cfg Config) (*Stores, error) {
	if cfg.MongoURI != "" {
		return openMongo(ctx, cfg.MongoURI, cfg.MongoDatabase)
	}
	if err := ensureDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	return openSQLite(ctx, filepath.Join(cfg.DataDir, "berth.db"))
}

func openSQLite(ctx context.Context, path string) (*Stores, error) {
	db, err := sqldb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	s, err := sqliteStores(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	s.Ping = db.PingContext
	s.Close = func(context.Context) error { return db.Close() }
	return s, nil
}

func sqliteStores(ctx context.Context, db *sql.DB) (*Stores, error) {
	a, err := accountsqlite.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing account tables: %w", err)
	}
	c, err := catalogsqlite.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing catalog tables: %w", err)
	}
	p, err := publishersqlite.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing publisher tables: %w", err)
	}
	l, err := licensingsqlite.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing licensing tables: %w", err)
	}
	bl, err := billingsqlite.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing billing tables: %w", err)
	}
	wh, err := webhookssqlite.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing webhook tables: %w", err)
	}
	au, err := auditsqlite.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing audit tables: %w", err)
	}
	jb, err := jobssqlite.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing job tables: %w", err)
	}
	bd, err := buildssqlite.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing build tables: %w", err)
	}
	ds, err := directorysqlite.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing directory tables: %w", err)
	}
	return &Stores{Accounts: accountStores(a), Catalog: c, Repositories: c, Community: c, Stars: c, Tags: c, Publishers: p, Withdrawals: p, Licenses: l,
		Refresh: l, Usage: l, Handovers: l, Billing: bl, Webhooks: wh, Audit: au, Jobs: jb, Builds: bd, Directory: ds}, nil
}

// allAccountStores is what one account store implementation provides.
type allAccountStores interface {
	account.Store
	account.NamespaceStore
	account.SessionStore
	account.TokenStore
	account.OrgStore
}

func accountStores(a allAccountStores) account.Stores {
	return account.Stores{Users: a, Namespaces: a, Sessions: a, Tokens: a, Orgs: a}
}

func openMongo(ctx context.Context, uri, database string) (*Stores, error) {
	client, err := mongo.Connect(ctx, options.Client().ApplyURI(uri).SetServerSelectionTimeout(10*time.Second))
	if err != nil {
		return nil, fmt.Errorf("connecting to MongoDB: %w", err)
	}
	s, err := mongoStores(ctx, client.Database(database))
	if err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	s.Ping = func(ctx context.Context) error { return client.Ping(ctx, nil) }
	s.Close = client.Disconnect
	return s, nil
}

func mongoStores(ctx context.Context, db *mongo.Database) (*Stores, error) {
	a, err := accountmongo.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing account collections: %w", err)
	}
	c, err := catalogmongo.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing catalog collections: %w", err)
	}
	p, err := publishermongo.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing publisher collections: %w", err)
	}
	l, err := licensingmongo.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing licensing collections: %w", err)
	}
	bl, err := billingmongo.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing billing collections: %w", err)
	}
	wh, err := webhooksmongo.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing webhook collections: %w", err)
	}
	au, err := auditmongo.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing audit collections: %w", err)
	}
	jb, err := jobsmongo.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing job collections: %w", err)
	}
	bd, err := buildsmongo.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing build collections: %w", err)
	}
	ds, err := directorymongo.New(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("preparing directory collections: %w", err)
	}
	return &Stores{Accounts: accountStores(a), Catalog: c, Repositories: c, Community: c, Stars: c, Tags: c, Publishers: p, Withdrawals: p, Licenses: l,
		Refresh: l, Usage: l, Handovers: l, Billing: bl, Webhooks: wh, Audit: au, Jobs: jb, Builds: bd, Directory: ds}, nil
}

// keyReload is how often a running server reloads its token keys, so that
// a key rotated by `berth keys rotate` (or another instance) is used
// without a restart.
const keyReload = 30 * time.Second

// Backend is the domain services over one set of stores: everything the web
// front end and the admin commands use.
type Backend struct {
	Stores *Stores
	// Access makes every authorization decision, for the web app and
	// the token server alike.
	Access       *access.Decider
	Accounts     *account.Service
	Repositories *catalog.Repositories
	Community    *catalog.Community
	Licenses     *licensing.Service
	Keys         *licensing.KeyRing
	Tokens       *licensing.TokenServer
	Billing      *billing.Service
	// Handovers holds new license keys, sealed, until their page shows them.
	Handovers *licensing.Handovers
	// Webhooks delivers publishers' outbound webhooks.
	Webhooks *webhooks.Dispatcher
	// Security is the security audit log: sign-ins, credentials, keys,
	// roles, reviews and admin actions.
	Security *audit.Service
	log      *slog.Logger
	// Pipeline takes publishers' signed uploads from staging to buyers;
	// nil for admin commands, which have no registry.
	Pipeline *publishing.Pipeline
	// Audit and Pulls write token audit records and attributed pulls in
	// batches; Close flushes them.
	Audit *licensing.Batcher[licensing.TokenRecord]
	Pulls *licensing.Batcher[licensing.Pull]
	// Registry is Berth's own client of its registry; nil for admin
	// commands, which do not talk to one.
	Registry *registry.Client
	// Jobs is the durable job queue background work runs on (registry
	// events, webhook deliveries); Events stores the registry's
	// notifications in it as jobs.
	Jobs   *jobs.Queue
	Events *registry.Intake
	// tagLocks makes recording one tag in the catalog one writer's work
	// at a time in this process.
	tagLocks keyedMutex
	// Sealer seals the private keys: another KeyRing over these stores (an
	// operator's) needs it.
	Sealer licensing.Sealer

	// Publishers, Listings and Analytics are the supply side: applications,
	// keys and push tokens; listings; publishers' figures.
	Publishers *publisher.Service
	Listings   *catalog.Listings
	Analytics  *analytics.Service
	// Withdrawals takes promoted tags back from buyers.
	Withdrawals *publisher.Withdrawals
	// Builds is automated builds from Git; BuildJobs the queue they run
	// on, over the same job store, with this instance's build
	// concurrency as its workers. Both nil for admin commands.
	Builds    *builds.Service
	BuildJobs *jobs.Queue
	// BuildKeys holds the keys Berth signs publishers' builds with; nil
	// for admin commands, which have no registry.
	BuildKeys *publisher.BuildKeys
	// BasePulls decides whether a build's owner may pull its FROM images.
	BasePulls *licensing.BasePulls
	// Directory signs people in through LDAP and OIDC; nil when none is
	// configured, and for admin commands.
	Directory *Directory
}

// OpenBackend opens the stores, loads (or creates) the token keys and
// builds the services. registryURL is where this process reaches the
// registry ("" when it need not); publicURL where buyers come back to from
// Stripe ("" for admin commands); log hears what the services report. The
// caller calls b.Close.
func OpenBackend(ctx context.Context, cfg Config, service, registryURL, publicURL string, log *slog.Logger) (*Backend, error) {
	stores, err := OpenStores(ctx, cfg)
	if err != nil {
		return nil, err
	}
	sealer, err := openKEK(ctx, cfg, stores.Licenses, log)
	if err != nil {
		_ = stores.Close(ctx)
		return nil, err
	}
	keys := licensing.NewKeyRing(stores.Licenses, sealer, 2*cfg.TokenTTL+keyReload)
	if err := keys.Load(ctx); err != nil {
		_ = stores.Close(ctx)
		return nil, kekError(cfg, err)
	}
	if _, err := publisher.NewBuildKeys(stores.Publishers, sealer, nil, "").SealStored(ctx); err != nil {
		_ = stores.Close(ctx)
		return nil, kekError(cfg, err)
	}
	b := &Backend{
		Stores:       stores,
		Repositories: catalog.NewRepositories(stores.Repositories),
		Community:    catalog.NewCommunity(stores.Community),
		Licenses:     licensing.New(stores.Licenses, stores.Usage, tierLookup{stores.Catalog}),
		Keys:         keys,
		Sealer:       sealer,
		Handovers:    licensing.NewHandovers(stores.Handovers, sealer),
	}
	b.Publishers = publisher.New(stores.Publishers, publisherOrgs{b}, userNamespaces{b}, pushTokens{b})
	b.Withdrawals = publisher.NewWithdrawals(stores.Publishers, stores.Withdrawals, releases{b})
	b.Listings = catalog.NewListings(stores.Catalog, sellers{b.Publishers}, tierRules{})
	b.Accounts = account.New(stores.Accounts, reserved{b.Publishers}, account.Options{OnDelete: b.onDelete()})
	b.Audit = licensing.NewBatcher(usageBatch, usageFlush, stores.Usage.RecordTokens, func(err error, lost int) {
		log.Error("writing token audit records", "records", lost, "err", err)
	})
	b.Pulls = licensing.NewBatcher(usageBatch, usageFlush, stores.Usage.RecordPulls, func(err error, lost int) {
		log.Error("writing pull records", "records", lost, "err", err)
	})
	domains := &facts.Domains{Accounts: b.Accounts, Publishers: stores.Publishers, Licenses: b.Licenses, Repositories: b.Repositories,
		Products: stores.Catalog}
	b.Access = access.New(domains)
	b.Security = audit.New(stores.Audit)
	if publicURL != "" { // serving: admin commands sign nobody in
		if b.Directory, err = openDirectory(ctx, cfg.Directory, stores.Directory, b.Accounts, b.Security, publicURL,
			&http.Client{Timeout: 10 * time.Second}); err != nil {
			_ = stores.Close(ctx)
			return nil, err
		}
	}
	b.Tokens = licensing.NewTokenServer(
		licensing.TokenConfig{Issuer: cfg.TokenIssuer, Service: service, TTL: cfg.TokenTTL, PublicURL: publicURL},
		licensing.TokenDeps{Keys: keys, Licenses: stores.Licenses, Refresh: stores.Refresh, Accounts: authenticator{accounts: b.Accounts, dir: b.Directory.ldapService()},
			Policy: b.Access, Orgs: orgs{b.Accounts}, Usage: stores.Usage, Audit: b.Audit, Terms: newTermsCache(stores.Catalog)})
	b.BasePulls = licensing.NewBasePulls(b.Tokens, domains)
	b.Billing = billing.New(billing.Config{SecretKey: cfg.StripeSecretKey, WebhookSecret: cfg.StripeWebhookSecret,
		APIURL: cfg.StripeAPIURL, FeePercent: cfg.PlatformFeePercent, Grace: cfg.BillingGrace, PublicURL: publicURL},
		stores.Billing, tierLookup{stores.Catalog}, b.Licenses, b.Licenses, log)
	b.log = log
	b.Jobs = jobs.New(jobs.Config{Lease: cfg.JobLease}, stores.Jobs, log)
	b.Webhooks = webhooks.New(webhooks.Config{Master: keys.DeriveSecret("webhooks"), AllowPrivate: cfg.WebhookAllowPrivate || cfg.AllowPrivateNetworks}, stores.Webhooks, b.Jobs, log)
	b.Jobs.Handle(webhooks.DeliveryJob, b.Webhooks.Deliver)
	b.Directory.handleSync(b.Jobs, log)
	b.Billing.OnPurchase = b.purchased
	domains.Billing = b.Billing
	b.Analytics = analytics.New(b.Billing, stores.Catalog, b.Licenses, stores.Tags, b.Accounts)
	b.Events = registry.NewIntake(b.Jobs, licensing.InternalSubject, log)
	b.Jobs.Handle(registry.EventJob, registry.EventHandler(b.applyEvent))
	if registryURL != "" {
		if b.Registry, err = registry.NewClient(registryURL, b.sign); err != nil {
			_ = stores.Close(ctx)
			return nil, err
		}
		b.Pipeline = publishing.New(publishing.Config{RegistryHost: service, SignatureWait: cfg.SignatureWait},
			stores.Publishers, b.Registry, b, keys.CosignSigner(), b.Jobs, log)
		b.Pipeline.OnDone = b.uploadDone
		b.BuildKeys = publisher.NewBuildKeys(stores.Publishers, sealer, b.Registry, service)
		b.Jobs.Handle(publishing.UploadJob, b.Pipeline.Step)
	}
	return b, nil
}

// Batching of audit records and pulls: up to usageBatch rows a write, at
// least every usageFlush.
const (
	usageBatch = 512
	usageFlush = 250 * time.Millisecond
)

// Gate returns the wrapper that puts licensing's registry gate in front of
// an embedded registry's handler.
func (b *Backend) Gate(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return licensing.NewGate(next, b.Tokens, b.Stores.Usage, b.Pulls, log, licensing.GateOptions{Redistribution: redistribution{catalog: b.Stores.Catalog, publishers: b.Stores.Publishers, repos: b.Stores.Repositories, accounts: b.Accounts},
			Withdrawals: withdrawnTags{b.Withdrawals}})
	}
}

// Close writes the pending audit records and pulls and closes the stores.
func (b *Backend) Close(ctx context.Context) error {
	b.Audit.Close()
	b.Pulls.Close()
	b.Directory.Close()
	return b.Stores.Close(ctx)
}

// sign mints a token for Berth's own registry work.
func (b *Backend) sign(access map[string][]string) (string, error) {
	var list []licensing.Access
	for repo, actions := range access {
		list = append(list, licensing.Access{Type: "repository", Name: repo, Actions: actions})
	}
	tok, err := b.Tokens.Sign(systemSubject, list)
	return tok.Token, err
}

// onDelete is what happens to a namespace's belongings when its user or
// organisation is deleted: images deleted from the registry, repository
// records removed, the owner's licenses revoked and publisher memberships
// ended. Nothing stays behind for a later owner of the name to inherit.
func (b *Backend) onDelete() []func(ctx context.Context, namespace, ownerID string) error {
	return []func(ctx context.Context, namespace, ownerID string) error{
		func(ctx context.Context, namespace, _ string) error {
			repos, err := b.Stores.Repositories.RepositoriesByNamespace(ctx, namespace, true)
			if err != nil {
				return err
			}
			for _, r := range repos {
				if b.Registry == nil {
					return errors.New("deleting images needs the registry")
				}
				if err := b.Registry.DeleteRepository(ctx, r.Name); err != nil {
					return err
				}
			}
			_, err = b.Stores.Repositories.DeleteNamespaceRepositories(ctx, namespace)
			return err
		},
		func(ctx context.Context, _, ownerID string) error {
			return b.Stores.Refresh.DeleteUserRefreshTokens(ctx, ownerID)
		},
		func(ctx context.Context, _, ownerID string) error {
			slugs, err := b.Stores.Stars.Starred(ctx, ownerID)
			if err != nil {
				return err
			}
			for _, slug := range slugs {
				if _, err := b.Stores.Stars.Unstar(ctx, ownerID, slug); err != nil {
					return err
				}
			}
			return nil
		},
		func(ctx context.Context, _, ownerID string) error {
			ls, err := b.Stores.Licenses.LicensesByOwner(ctx, ownerID)
			if err != nil {
				return err
			}
			for _, l := range ls {
				if l.Status == licensing.StatusActive {
					if _, err := b.Licenses.Revoke(ctx, l.ID); err != nil {
						return err
					}
				}
			}
			return nil
		},
		func(ctx context.Context, _, ownerID string) error {
			ps, err := b.Stores.Publishers.PublishersByMember(ctx, ownerID)
			if err != nil {
				return err
			}
			for _, p := range ps {
				p.Members = slices.DeleteFunc(p.Members, func(id string) bool { return id == ownerID })
				if _, err := b.Stores.Publishers.PutPublisher(ctx, p); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

// tierLookup answers licensing's tier questions from the catalog.
type tierLookup struct{ catalog catalog.Store }

func (t tierLookup) Tier(ctx context.Context, product, tier string) (licensing.Tier, error) {
	p, tr, err := t.lookup(ctx, product, tier)
	if err != nil {
		return licensing.Tier{}, err
	}
	return licensing.Tier{Product: p.Slug, ProductName: p.Name, Tier: tr.ID, TierName: tr.Name, Free: tr.Free(), Repositories: tr.Repositories, Seats: tr.Seats,
		TermsVersion: tr.TermsVersion,
		Entitlement:  licensing.Entitlement{Versions: tr.Versions, TagPattern: tr.TagPattern, Perpetual: tr.Perpetual},
		Quota:        licensing.Quota{Pulls: tr.PullQuota, Period: licensing.Period(tr.QuotaPeriod)}}, nil
}

// lookup finds a product's tier; a missing one matches
// licensing.ErrTierNotFound.
func (t tierLookup) lookup(ctx context.Context, product, tier string) (catalog.Product, catalog.Tier, error) {
	p, err := t.catalog.ProductBySlug(ctx, product)
	if errors.Is(err, catalog.ErrNotFound) {
		return p, catalog.Tier{}, fmt.Errorf("product %q: %w", product, licensing.ErrTierNotFound)
	} else if err != nil {
		return p, catalog.Tier{}, err
	}
	tr, ok := p.Tier(tier)
	if !ok {
		return p, tr, fmt.Errorf("tier %q of %s: %w", tier, product, licensing.ErrTierNotFound)
	}
	return p, tr, nil
}

// BillingTier answers billing's tier questions from the catalog.
func (t tierLookup) BillingTier(ctx context.Context, product, tier string) (billing.Tier, error) {
	p, tr, err := t.lookup(ctx, product, tier)
	if err != nil {
		return billing.Tier{}, err
	}
	return billing.Tier{Product: p.Slug, ProductName: p.Name, Publisher: p.Publisher, Tier: tr.ID, Name: tr.Name, Price: tr.Price,
		Currency: tr.Currency, Interval: tr.Interval, TrialDays: tr.TrialDays, Seats: tr.Seats, TermsVersion: tr.TermsVersion}, nil
}

// termsCache answers the token server's question of a tier's current terms
// version from the catalog, remembering answers for termsFresh: publishing
// new terms reaches pulls within that.
type termsCache struct {
	catalog catalog.Store
	mu      sync.Mutex
	seen    map[string]termsSeen
}

type termsSeen struct {
	version int
	at      time.Time
}

const termsFresh = 2 * time.Second

func newTermsCache(c catalog.Store) *termsCache {
	return &termsCache{catalog: c, seen: map[string]termsSeen{}}
}

func (c *termsCache) TermsVersion(ctx context.Context, product, tier string) (int, error) {
	key := product + "\x00" + tier
	c.mu.Lock()
	v, ok := c.seen[key]
	c.mu.Unlock()
	if ok && time.Since(v.at) < termsFresh {
		return v.version, nil
	}
	_, tr, err := tierLookup{c.catalog}.lookup(ctx, product, tier)
	if errors.Is(err, licensing.ErrTierNotFound) {
		return 0, nil // a tier withdrawn from sale keeps its licenses' terms
	} else if err != nil {
		return 0, err
	}
	c.mu.Lock()
	if len(c.seen) > 10000 {
		clear(c.seen)
	}
	c.seen[key] = termsSeen{version: tr.TermsVersion, at: time.Now()}
	c.mu.Unlock()
	return tr.TermsVersion, nil
}

// authenticator adapts account sign-in (password or personal access token)
// to the token server.
type authenticator struct {
	accounts *account.Service
	dir      *directory.Service // nil without an LDAP directory
}

func (a authenticator) Authenticate(ctx context.Context, username, password string) (access.Principal, error) {
	if strings.HasPrefix(password, account.TokenPrefix) {
		u, t, err := a.accounts.AuthenticateToken(ctx, password)
		if err != nil {
			return access.Principal{}, credentialsError(err)
		}
		return tokenPrincipal(u, &t), nil
	}
	if a.dir != nil {
		return verifyDirectory(ctx, a.dir, a.accounts, username, password)
	}
	u, err := a.accounts.Authenticate(ctx, username, password)
	if err != nil {
		return access.Principal{}, credentialsError(err)
	}
	return tokenPrincipal(u, nil), nil
}

func (a authenticator) Resume(ctx context.Context, userID, tokenID string, since time.Time) (access.Principal, error) {
	u, t, err := a.accounts.Resume(ctx, userID, tokenID, since)
	if err != nil {
		return access.Principal{}, credentialsError(err)
	}
	return tokenPrincipal(u, t), nil
}

// tokenPrincipal is the principal of a user's password, or of the access
// token used: a personal access token with its limits, or a push token.
func tokenPrincipal(u account.User, t *account.AccessToken) access.Principal {
	p := access.Principal{Kind: access.Password, UserID: u.ID, Name: u.Username}
	if t == nil {
		return p
	}
	p.Kind, p.ReadOnly, p.Within, p.CredentialID = access.Token, t.Access == account.TokenRead, t.Resources, t.ID
	if t.Access == account.TokenPush {
		p.Kind = access.PushToken
	}
	if push, within := t.BuildLimits(); push != "" {
		p.ReadOnly, p.PushTo, p.Within = true, []string{push}, within
	}
	return p
}

func credentialsError(err error) error {
	if errors.Is(err, account.ErrBadCredentials) {
		return licensing.ErrBadCredentials
	}
	return err
}

// orgs lists the organisations whose licenses entitle a user.
type orgs struct{ accounts *account.Service }

func (o orgs) OrgIDs(ctx context.Context, userID string) ([]string, error) {
	list, err := o.accounts.OrgsOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(list))
	for i, org := range list {
		ids[i] = org.ID
	}
	return ids, nil
}
