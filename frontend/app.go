// Package frontend is everything HTTP that is not the registry itself: the
// server-rendered pages, the JSON API under /api/v1, the registry token
// endpoint, the JWKS, health and metrics, and the registry's notification
// intake. It composes the domain services; it holds no domain logic.
package frontend

import (
	"context"
	"embed"
	"github.com/berth/berth/access"
	"github.com/berth/berth/audit"
	"github.com/berth/berth/internal/secret"
	"html/template"
	"log/slog"
	"net/netip"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/berth/berth/account"
	"github.com/berth/berth/billing"
	"github.com/berth/berth/builds"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/registry"
	"github.com/berth/berth/webhooks"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Products is what the front end needs of the catalog.
type Products interface {
	ProductBySlug(ctx context.Context, slug string) (catalog.Product, error)
	ProductByRepository(ctx context.Context, repo string) (string, error)
	ProductsByPublisher(ctx context.Context, publisher string) ([]catalog.Product, error)
	PutProduct(ctx context.Context, p catalog.Product) (catalog.Product, error)
	ListProducts(ctx context.Context, q catalog.ListQuery) ([]catalog.Product, error)
	RecordPull(ctx context.Context, e catalog.PullEvent) (bool, error)
	Explore(ctx context.Context, q catalog.ExploreQuery) (catalog.ExplorePage, error)
	Search(ctx context.Context, text string, limit int) ([]catalog.SearchHit, error)
	Categories(ctx context.Context, tab string) ([]catalog.CategoryCount, error)
	PublisherSlugs(ctx context.Context) ([]string, error)
	PlatformsInUse(ctx context.Context) ([]string, error)
}

// Publishers is what the front end needs of publishers: whom a user
// publishes for, for the "Contributed" list on profiles.
type Publishers interface {
	PublishersByMember(ctx context.Context, userID string) ([]publisher.Publisher, error)
	PublisherBySlug(ctx context.Context, slug string) (publisher.Publisher, error)
}

// Deps is what the front end composes.
type Deps struct {
	// Access makes every authorization decision.
	Access *access.Decider
	// Security records security events; nil records nothing.
	Security *audit.Service
	Accounts *account.Service
	Licenses *licensing.Service
	Billing  *billing.Service
	Tokens   *licensing.TokenServer
	Keys     *licensing.KeyRing
	// Handovers holds a new license key, sealed, from the form that made
	// it to the page that shows it once.
	Handovers    *licensing.Handovers
	Products     Products
	Repositories *catalog.Repositories
	// Community searches and explores users' and organisations'
	// repositories; nil leaves the Community section and tab empty.
	Community  *catalog.Community
	Stars      catalog.StarStore
	Tags       catalog.TagStore
	Publishers PublisherStore
	Events     RegistryEvents // stores the registry's notifications
	Webhooks   *webhooks.Dispatcher
	// Builds is automated builds from Git; nil registers no build API
	// routes, and the build pages answer that builds are not configured.
	Builds       *builds.Service
	Jobs         DeadLetters      // the job queue's failed jobs, for administrators
	Registry     *registry.Client // Berth's own registry client: tags for repository pages
	RegistryHost string           // host[:port] clients pull from, for pull commands
	PublicURL    string
	TokenIssuer  string                          // issuer named in tokens and license files
	NotifyToken  string                          // bearer the registry sends with notifications
	Ready        func(ctx context.Context) error // database and registry checks
	Metrics      *prometheus.Registry
	Logger       *slog.Logger
	// TrustedProxies are the load balancers whose X-Forwarded-For is
	// believed when telling clients apart for rate limits.
	TrustedProxies []netip.Prefix
	// Directory is the company directory's sign-in (LDAP passwords, OIDC
	// providers); nil keeps sign-in local.
	Directory *Directory
}

// BodyLimit caps every request body the front end reads. Registry uploads
// never come through here.
const BodyLimit = 1 << 20

type handlers struct {
	Deps
	pages       map[string]*template.Template
	metrics     *metrics
	signupLimit fiber.Handler
	openapiDoc  []byte
	// clientIP names the client of a request, through trusted proxies.
	clientIP func(*fiber.Ctx) string
	// table lists every declared route.
	table []Route
	// flashKey signs flash messages.
	flashKey []byte
}

// New builds the fiber application, and returns with it the table of its
// routes and the permission each declares.
func New(d Deps) (*fiber.App, []Route, error) {
	pages, err := parseTemplates()
	if err != nil {
		return nil, nil, err
	}
	doc, err := buildOpenAPI()
	if err != nil {
		return nil, nil, err
	}
	h := &handlers{Deps: d, pages: pages, metrics: newMetrics(d.Metrics), openapiDoc: doc,
		flashKey: []byte(secret.Token(""))}
	if d.Keys != nil {
		h.flashKey = d.Keys.DeriveSecret("flash messages")
	}
	app := fiber.New(fiber.Config{
		AppName:               "berth",
		BodyLimit:             BodyLimit,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           2 * time.Minute,
		ErrorHandler:          h.handleError,
		DisableStartupMessage: true,
	})
	app.Use(recover.New())
	app.Use(h.metrics.middleware)
	app.Use(helmet.New(helmet.Config{
		ContentSecurityPolicy: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
		// Cross-origin isolation breaks nothing here but would block
		// embedding badges later; keep helmet's other defaults.
		CrossOriginEmbedderPolicy: "unsafe-none",
	}))
	h.routes(app)
	return app, h.table, nil
}

func (h *handlers) routes(app *fiber.App) {
	infra := routes{h: h, r: app, page: true}
	infra.Get("/healthz", access.Anyone, h.healthz)
	infra.Get("/readyz", access.Anyone, h.readyz)
	infra.Get("/metrics", access.Anyone, h.metrics.handler())
	infra.Get("/.well-known/jwks.json", access.Anyone, h.jwks)
	infra.Get("/.well-known/berth-license-keys.json", access.Anyone, h.licenseKeys)

	infra.Get("/static/*", access.Anyone, h.static)
	infra.Post("/internal/registry/events", access.OwnAuth, h.registryEvents)
	// Stripe signs its events: no session, no CSRF token.
	infra.Post("/billing/webhook", access.OwnAuth, h.stripeWebhook)

	// Password checks are limited per address and account by the account
	// domain, wherever they come from; it learns the client's address here.
	client := clientKey(h.TrustedProxies)
	h.clientIP = client
	app.Use(func(c *fiber.Ctx) error {
		c.SetUserContext(account.WithAddress(c.UserContext(), client(c)))
		return c.Next()
	})
	h.signupLimit = signupLimiter(10, client)
	infra.Get("/token", access.OwnAuth, h.tokenGet)
	infra.Post("/token", access.OwnAuth, h.tokenPost)

	app.Use(h.identify, h.checkCSRF)
	pages := routes{h: h, r: app, page: true}
	api := routes{h: h, r: app.Group("/api/v1"), prefix: "/api/v1"}
	api.Get("/openapi.json", access.Anyone, h.openapi)
	api.Get("/products", access.Anyone, h.listProducts)
	api.Get("/products/:slug", access.OnListing("slug"), h.getProduct)
	api.Post("/products/:slug/checkout", access.BuyFor("organization"), h.checkout)
	api.Get("/licenses", access.Self(access.Read), h.listLicenses)
	api.Get("/licenses/:id", access.OnLicense(access.Read, "id"), h.getLicense)
	api.Get("/licenses/:id/file", access.OnLicense(access.Read, "id"), h.licenseFile)
	h.licenseUsageRoutes(api)
	h.billingRoutes(pages, api)
	h.exploreRoutes(pages, api)
	h.tagRoutes(pages, api)
	h.publisherRoutes(pages, api)
	h.buildKeyRoutes(pages, api)
	h.withdrawalRoutes(pages, api)
	h.analyticsRoutes(pages, api)
	h.webhookRoutes(pages, api)
	h.listingRoutes(pages, api)
	h.logoRoutes(pages)
	h.sessionRoutes(pages, api)
	h.settingsRoutes(pages, api)
	h.profileRoutes(pages, api)
	h.orgRoutes(pages, api)
	h.repositoryRoutes(pages, api)
	h.buildRoutes(api)
	h.buildPageRoutes(pages)
	h.adminRoutes(pages, api)
	h.starRoutes(pages, api)
	h.securityRoutes(pages, api)
	h.directoryRoutes(pages, api)
	app.Group("/api/v1").Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })

	pages.Get("/", access.Anyone, h.indexPage)
	pages.Get("/products/:slug", access.OnListing("slug"), h.productPage)
	h.licensePages(pages)
	h.billingPages(pages)
	h.publisherPages(pages)
	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}
