// Package frontend is everything HTTP that is not the registry itself: the
// server-rendered pages, the JSON API under /api/v1, the registry token
// endpoint, the JWKS, health and metrics, and the registry's notification
// intake. It composes the domain services; it holds no domain logic.
package frontend

import (
	"context"
	"embed"
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
	Categories(ctx context.Context) ([]catalog.CategoryCount, error)
	PublisherSlugs(ctx context.Context) ([]string, error)
}

// TagRecorder keeps the catalog's tags current from registry notifications.
type TagRecorder interface {
	RecordTag(ctx context.Context, repo, tag string) error
	ForgetDigest(ctx context.Context, repo, digest string) error
	// Pulled tells the image's publisher of a pull (a webhook).
	Pulled(ctx context.Context, repo, tag, digest string, at time.Time) error
}

// Publishers is what the front end needs of publishers: whom a user
// publishes for, for the "Contributed" list on profiles.
type Publishers interface {
	PublishersByMember(ctx context.Context, userID string) ([]publisher.Publisher, error)
	PublisherBySlug(ctx context.Context, slug string) (publisher.Publisher, error)
}

// Deps is what the front end composes.
type Deps struct {
	Accounts     *account.Service
	Licenses     *licensing.Service
	Billing      *billing.Service
	Tokens       *licensing.TokenServer
	Keys         *licensing.KeyRing
	Products     Products
	Repositories *catalog.Repositories
	Stars        catalog.StarStore
	Tags         catalog.TagStore
	TagRecorder  TagRecorder
	Publishers   PublisherStore
	Publishing   Publishing
	Webhooks     *webhooks.Dispatcher
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
}

// BodyLimit caps every request body the front end reads. Registry uploads
// never come through here.
const BodyLimit = 1 << 20

type handlers struct {
	Deps
	pages   map[string]*template.Template
	metrics *metrics
	// accountLimit counts failed sign-ins per account, beside the
	// per-address allowance every credential check shares.
	accountLimit *window
	signupLimit  fiber.Handler
	openapiDoc   []byte
	// clientIP names the client of a request, through trusted proxies.
	clientIP func(*fiber.Ctx) string
}

// New builds the fiber application.
func New(d Deps) (*fiber.App, error) {
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	doc, err := buildOpenAPI()
	if err != nil {
		return nil, err
	}
	h := &handlers{Deps: d, pages: pages, metrics: newMetrics(d.Metrics), accountLimit: newWindow(10), openapiDoc: doc}
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
	return app, nil
}

func (h *handlers) routes(app *fiber.App) {
	app.Get("/healthz", h.healthz)
	app.Get("/readyz", h.readyz)
	app.Get("/metrics", h.metrics.handler())
	app.Get("/.well-known/jwks.json", h.jwks)
	app.Get("/.well-known/berth-license-keys.json", h.licenseKeys)

	app.Get("/static/*", h.static)
	app.Post("/internal/registry/events", h.registryEvents)
	// Stripe signs its events: no session, no CSRF token.
	app.Post("/billing/webhook", h.stripeWebhook)

	// One allowance of failed authentications per address covers every
	// endpoint that checks a credential, so that guesses cannot be spread
	// across them.
	client := clientKey(h.TrustedProxies)
	h.clientIP = client
	app.Use(failureLimiter(20, client))
	h.signupLimit = signupLimiter(10, client)
	app.Get("/token", h.tokenGet)
	app.Post("/token", h.tokenPost)

	app.Use(h.identify, h.checkCSRF)
	api := app.Group("/api/v1")
	api.Get("/openapi.json", h.openapi)
	api.Get("/products", h.listProducts)
	api.Get("/products/:slug", h.getProduct)
	api.Post("/products/:slug/checkout", h.checkout)
	api.Get("/licenses", h.listLicenses)
	api.Get("/licenses/:id", h.getLicense)
	api.Get("/licenses/:id/file", h.licenseFile)
	h.licenseUsageRoutes(api)
	h.billingRoutes(app, api)
	h.exploreRoutes(app, api)
	h.tagRoutes(app, api)
	h.publisherRoutes(app, api)
	h.analyticsRoutes(app, api)
	h.webhookRoutes(app, api)
	h.listingRoutes(app, api)
	h.sessionRoutes(app, api)
	h.settingsRoutes(app, api)
	h.profileRoutes(app, api)
	h.orgRoutes(app, api)
	h.repositoryRoutes(app, api)
	h.adminRoutes(app, api)
	h.starRoutes(app, api)
	api.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })

	app.Get("/", h.indexPage)
	app.Get("/products/:slug", h.productPage)
	h.licensePages(app)
	h.billingPages(app)
	h.publisherPages(app)
	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}
