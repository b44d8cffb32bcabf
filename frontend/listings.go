package frontend

import (
	"context"
	"github.com/berth/berth/access"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/publisher"
)

// listingRoutes registers the listing editor: a publisher's products and
// tiers, their status, logo and description preview; and the admin's
// Official / Certified marking.
func (h *handlers) listingRoutes(app, api routes) {
	api.Get("/publishers/:slug/products", access.OnPublisher(access.Read, "slug"), h.listingsAPI)
	api.Post("/publishers/:slug/products", access.OnPublisher(access.Write, "slug"), h.createListingAPI)
	api.Put("/publishers/:slug/products/:product", access.OnPublisher(access.Write, "slug"), h.updateListingAPI)
	api.Put("/publishers/:slug/products/:product/logo", access.OnPublisher(access.Write, "slug"), h.logoAPI)
	api.Post("/markdown/preview", access.Self(access.Read), h.previewAPI)
	api.Put("/admin/products/:product/badge", access.Administer, h.badgeAPI)
	app.Get("/publishers/:slug/products", access.OnPublisher(access.Read, "slug"), h.listingsPage)
	app.Post("/publishers/:slug/products", access.OnPublisher(access.Write, "slug"), h.createListingForm)
	app.Get("/publishers/:slug/products/:product/edit", access.OnPublisher(access.Write, "slug"), h.editListingPage)
	app.Post("/publishers/:slug/products/:product/edit", access.OnPublisher(access.Write, "slug"), h.editListingForm)
}

// tierInput is a tier as the editor sends it.
type tierInput struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	Price        int64    `json:"price"`
	Currency     string   `json:"currency"`
	Repositories []string `json:"repositories"`
	Interval     string   `json:"interval"`
	TrialDays    int      `json:"trial_days"`
	Seats        int      `json:"seats"`
	PullQuota    int      `json:"pull_quota"`
	QuotaPeriod  string   `json:"quota_period"`
	Versions     string   `json:"versions"`
	TagPattern   string   `json:"tag_pattern"`
	Perpetual    bool     `json:"perpetual_fallback"`
	Terms        string   `json:"terms"`
}

// listingInput is a listing as the editor sends it.
type listingInput struct {
	Slug         string      `json:"slug"`
	Name         string      `json:"name"`
	Kind         string      `json:"kind"`
	Summary      string      `json:"summary"`
	Description  string      `json:"description"`
	Categories   []string    `json:"categories"`
	Repositories []string    `json:"repositories"`
	Tiers        []tierInput `json:"tiers"`
	Status       string      `json:"status"`
}

// domain returns the listing as the listings service takes it.
func (in listingInput) domain() catalog.ListingInput {
	out := catalog.ListingInput{Slug: in.Slug, Name: in.Name, Kind: catalog.Kind(in.Kind), Summary: in.Summary,
		Description: in.Description, Categories: in.Categories, Repositories: in.Repositories, Status: in.Status}
	for _, t := range in.Tiers {
		out.Tiers = append(out.Tiers, catalog.Tier{ID: t.ID, Name: t.Name, Description: t.Description, Price: t.Price,
			Currency: t.Currency, Repositories: t.Repositories, Interval: t.Interval, TrialDays: t.TrialDays, Seats: t.Seats,
			PullQuota: t.PullQuota, QuotaPeriod: t.QuotaPeriod, Versions: t.Versions, TagPattern: t.TagPattern,
			Perpetual: t.Perpetual, Terms: t.Terms})
	}
	return out
}

// editableListing returns the publisher u may edit and one of its
// listings (zero when slug is "").
func (h *handlers) editableListing(ctx context.Context, u account.User, pubSlug, slug string) (publisher.Publisher, catalog.Product, error) {
	p, err := h.editor(ctx, u, pubSlug)
	if err != nil || slug == "" {
		return p, catalog.Product{}, err
	}
	prod, err := h.Publishers.Listings.Listing(ctx, p.Slug, slug)
	return p, prod, err
}

// saveListing creates (slug "") or updates a listing of the publisher
// pubSlug (the route's permission allowed u to edit it).
func (h *handlers) saveListing(ctx context.Context, u account.User, pubSlug, slug string, in listingInput) (catalog.Product, error) {
	if slug == "" {
		return h.Publishers.Listings.Create(ctx, pubSlug, in.domain())
	}
	return h.Publishers.Listings.Update(ctx, pubSlug, slug, in.domain())
}

func (h *handlers) listingsAPI(c *fiber.Ctx) error {
	p, err := h.callerPublisher(c)
	if err != nil {
		return err
	}
	ps, err := h.Publishers.Listings.Listings(c.UserContext(), p.Slug)
	if err != nil {
		return err
	}
	out := make([]listingJSON, 0, len(ps))
	for _, prod := range ps {
		out = append(out, listingOf(prod))
	}
	return c.JSON(fiber.Map{"products": out})
}

// listingJSON is a product with its status, for its publisher.
type listingJSON struct {
	productJSON
	Status string `json:"status"`
}

func listingOf(p catalog.Product) listingJSON {
	status := p.Status
	if status == "" {
		status = catalog.StatusPublished
	}
	return listingJSON{productJSON: productOf(p, true), Status: status}
}

func (h *handlers) createListingAPI(c *fiber.Ctx) error {
	var in listingInput
	u, err := h.userInput(c, &in)
	if err != nil {
		return err
	}
	p, err := h.saveListing(c.UserContext(), u, c.Params("slug"), "", in)
	if err != nil {
		return err
	}
	return c.Status(http.StatusCreated).JSON(listingOf(p))
}

func (h *handlers) updateListingAPI(c *fiber.Ctx) error {
	var in listingInput
	u, err := h.userInput(c, &in)
	if err != nil {
		return err
	}
	p, err := h.saveListing(c.UserContext(), u, c.Params("slug"), c.Params("product"), in)
	if err != nil {
		return err
	}
	return c.JSON(listingOf(p))
}

// logoAPI takes a logo as the request body (PNG, JPEG or WebP, at most
// 256 KiB), checked by its content, not its name.
func (h *handlers) logoAPI(c *fiber.Ctx) error {
	saved, err := h.Publishers.Listings.SetLogo(c.UserContext(), c.Params("slug"), c.Params("product"), c.Body())
	if err != nil {
		return err
	}
	return c.JSON(listingOf(saved))
}

func (h *handlers) previewAPI(c *fiber.Ctx) error {
	var in struct {
		Markdown string `json:"markdown"`
	}
	if _, err := h.userInput(c, &in); err != nil {
		return err
	}
	if len(in.Markdown) > catalog.MaxDescription {
		return &catalog.InvalidError{Field: "markdown", Message: "at most 50,000 characters, as a description"}
	}
	return c.JSON(fiber.Map{"html": string(newMarkdown().render(in.Markdown))})
}

func (h *handlers) badgeAPI(c *fiber.Ctx) error {
	var in struct {
		Badge string `json:"badge"`
	}
	if _, err := h.requireAdmin(c); err != nil {
		return err
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	saved, err := h.Publishers.Listings.SetBadge(c.UserContext(), c.Params("product"), catalog.Badge(in.Badge))
	if err != nil {
		return err
	}
	return c.JSON(listingOf(saved))
}

// visibleProduct returns a product by slug; the route's declared
// permission (access.OnListing) already hid drafts from whoever may not
// see them.
func (h *handlers) visibleProduct(c *fiber.Ctx, slug string) (catalog.Product, error) {
	return h.Products.ProductBySlug(c.UserContext(), slug)
}
