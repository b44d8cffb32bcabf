package frontend

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/berth/berth/access"
	"html/template"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
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

var (
	listingSlug = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)
	tierID      = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$`)
	repoPath    = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
)

func invalidField(field, msg string) error {
	return &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Field: field, Message: field + ": " + msg}
}

// listing checks in against the publisher and turns it into a product,
// keeping what the editor does not own (ID, stars, pulls, logo, badge,
// platforms) from old and raising a tier's terms version when its terms
// text changes.
func listing(in listingInput, pub publisher.Publisher, old catalog.Product) (catalog.Product, error) {
	p := old
	p.Slug, p.Name, p.Publisher = strings.ToLower(strings.TrimSpace(in.Slug)), strings.TrimSpace(in.Name), pub.Slug
	p.Kind, p.Summary, p.Description = catalog.Kind(in.Kind), strings.TrimSpace(in.Summary), in.Description
	switch {
	case !listingSlug.MatchString(p.Slug):
		return p, invalidField("slug", "1 to 64 lower-case letters, digits and hyphens")
	case p.Name == "" || len(p.Name) > 80:
		return p, invalidField("name", "1 to 80 characters")
	case p.Kind != catalog.KindImage && p.Kind != catalog.KindPlugin:
		return p, invalidField("kind", "image or plugin")
	case len(p.Summary) > 200:
		return p, invalidField("summary", "at most 200 characters")
	case len(p.Description) > 50_000:
		return p, invalidField("description", "at most 50,000 characters")
	case len(in.Categories) > 5:
		return p, invalidField("categories", "at most 5")
	case len(in.Repositories) == 0 || len(in.Repositories) > 10:
		return p, invalidField("repositories", "1 to 10 repositories")
	case len(in.Tiers) == 0 || len(in.Tiers) > 10:
		return p, invalidField("tiers", "1 to 10 tiers")
	}
	p.Categories = nil
	for _, c := range in.Categories {
		if c = strings.TrimSpace(c); c != "" && len(c) <= 40 {
			p.Categories = append(p.Categories, c)
		}
	}
	p.Repositories = nil
	for _, r := range in.Repositories {
		r = strings.ToLower(strings.TrimSpace(r))
		ns, _, _ := strings.Cut(r, "/")
		if !repoPath.MatchString(r) || !slices.Contains(pub.Namespaces, ns) {
			return p, invalidField("repositories", "\""+r+"\" is not a repository in "+strings.Join(pub.Namespaces, ", "))
		}
		p.Repositories = append(p.Repositories, r)
	}
	p.Tiers = nil
	for _, t := range in.Tiers {
		tier, err := tierOf(t, p.Repositories, old)
		if err != nil {
			var ae *apiError
			if errors.As(err, &ae) {
				ae.Message = "tier " + t.ID + ": " + ae.Message
				ae.Field = "tiers"
			}
			return p, err
		}
		if slices.ContainsFunc(p.Tiers, func(o catalog.Tier) bool { return o.ID == tier.ID }) {
			return p, invalidField("tiers", "two tiers are called "+tier.ID)
		}
		p.Tiers = append(p.Tiers, tier)
	}
	switch in.Status {
	case "":
		if p.Status == "" {
			p.Status = catalog.StatusDraft
		}
	case catalog.StatusDraft, catalog.StatusPublished, catalog.StatusUnpublished:
		if in.Status == catalog.StatusDraft && old.Published() && old.ID != "" {
			return p, invalidField("status", "a published listing is unpublished, not made a draft again")
		}
		p.Status = in.Status
	default:
		return p, invalidField("status", "draft, published or unpublished")
	}
	return p, nil
}

func tierOf(t tierInput, repos []string, old catalog.Product) (catalog.Tier, error) {
	tier := catalog.Tier{ID: strings.ToLower(strings.TrimSpace(t.ID)), Name: strings.TrimSpace(t.Name), Description: strings.TrimSpace(t.Description),
		Price: t.Price, Currency: strings.ToLower(t.Currency), Interval: t.Interval, TrialDays: t.TrialDays, Seats: t.Seats,
		PullQuota: t.PullQuota, QuotaPeriod: t.QuotaPeriod, Versions: strings.TrimSpace(t.Versions), TagPattern: strings.TrimSpace(t.TagPattern),
		Perpetual: t.Perpetual, Terms: t.Terms, Repositories: t.Repositories}
	if tier.Currency == "" {
		tier.Currency = "usd"
	}
	switch {
	case !tierID.MatchString(tier.ID):
		return tier, invalidField("id", "1 to 32 lower-case letters, digits and hyphens")
	case tier.Name == "" || len(tier.Name) > 40:
		return tier, invalidField("name", "1 to 40 characters")
	case tier.Price < 0 || tier.Price > 100_000_000:
		return tier, invalidField("price", "0 to 1,000,000.00, in cents")
	case !slices.Contains([]string{"usd", "eur", "gbp"}, tier.Currency):
		return tier, invalidField("currency", "usd, eur or gbp")
	case tier.Interval != "" && tier.Interval != "month" && tier.Interval != "year":
		return tier, invalidField("interval", "empty (one-time), month or year")
	case tier.Interval != "" && tier.Price == 0:
		return tier, invalidField("interval", "a free tier has no billing interval")
	case tier.TrialDays < 0 || tier.TrialDays > 90 || (tier.TrialDays > 0 && tier.Interval == ""):
		return tier, invalidField("trial_days", "0 to 90, on subscriptions only")
	case tier.Seats < 0 || tier.Seats > 10_000:
		return tier, invalidField("seats", "0 (unlimited) to 10,000")
	case len(tier.Terms) > 100_000:
		return tier, invalidField("terms", "at most 100,000 characters")
	}
	if err := (licensing.Quota{Pulls: tier.PullQuota, Period: licensing.Period(tier.QuotaPeriod)}).Validate(); err != nil {
		return tier, invalidField("pull_quota", err.Error())
	}
	if err := (licensing.Entitlement{Versions: tier.Versions, TagPattern: tier.TagPattern}).Validate(); err != nil {
		return tier, invalidField("versions", err.Error())
	}
	if len(tier.Repositories) == 0 {
		tier.Repositories = repos
	}
	for _, r := range tier.Repositories {
		if !slices.Contains(repos, r) {
			return tier, invalidField("repositories", r+" is not one of the listing's repositories")
		}
	}
	// New terms text is a new version: licenses must accept it again.
	if prev, ok := old.Tier(tier.ID); ok {
		tier.TermsVersion = prev.TermsVersion
		if prev.Terms != tier.Terms {
			tier.TermsVersion++
		}
	} else if tier.Terms != "" {
		tier.TermsVersion = 1
	}
	return tier, nil
}

// editableListing returns the publisher u may edit and one of its
// products (zero when slug is "").
func (h *handlers) editableListing(ctx context.Context, u account.User, pubSlug, slug string) (publisher.Publisher, catalog.Product, error) {
	p, role, err := h.publisherRole(ctx, u, pubSlug)
	if err != nil {
		return p, catalog.Product{}, err
	}
	if !canEdit(role) {
		return p, catalog.Product{}, errViewerOnly
	}
	if slug == "" {
		return p, catalog.Product{}, nil
	}
	prod, err := h.Products.ProductBySlug(ctx, slug)
	if err != nil || prod.Publisher != p.Slug {
		return p, prod, &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "no listing " + slug + " of " + p.Slug}
	}
	return p, prod, nil
}

// saveListing validates and stores a listing.
func (h *handlers) saveListing(ctx context.Context, u account.User, pubSlug, slug string, in listingInput) (catalog.Product, error) {
	pub, old, err := h.editableListing(ctx, u, pubSlug, slug)
	if err != nil {
		return old, err
	}
	if slug == "" {
		if _, err := h.Products.ProductBySlug(ctx, strings.ToLower(in.Slug)); err == nil {
			return old, &apiError{Status: http.StatusConflict, Code: "conflict", Field: "slug", Message: "slug: another listing is called " + in.Slug}
		}
	} else {
		in.Slug = slug // a listing keeps its slug: links and licenses name it
	}
	if pub.Status != publisher.StatusApproved && in.Status == catalog.StatusPublished {
		return old, &apiError{Status: http.StatusConflict, Code: "not_approved", Message: "the publisher is not approved yet: listings stay drafts"}
	}
	p, err := listing(in, pub, old)
	if err != nil {
		return p, err
	}
	saved, err := h.Products.PutProduct(ctx, p)
	if errors.Is(err, catalog.ErrRepositoryTaken) {
		return p, invalidField("repositories", "a repository belongs to another listing")
	}
	return saved, err
}

func (h *handlers) listingsAPI(c *fiber.Ctx) error {
	p, err := h.callerPublisher(c)
	if err != nil {
		return err
	}
	ps, err := h.Products.ProductsByPublisher(c.UserContext(), p.Slug)
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

// logoTypes are the image types a logo may be, by their leading bytes.
// SVG is not among them: it can carry script.
var logoTypes = []struct {
	mime  string
	magic []byte
}{
	{"image/png", []byte("\x89PNG\r\n\x1a\n")},
	{"image/jpeg", []byte("\xff\xd8\xff")},
	{"image/webp", []byte("RIFF")},
}

// maxLogo bounds a logo's size.
const maxLogo = 256 << 10

// logoAPI takes a logo as the request body (PNG, JPEG or WebP, at most
// 256 KiB), checked by its content, not its name; it is kept as a data URL.
func (h *handlers) logoAPI(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	_, prod, err := h.editableListing(c.UserContext(), u, c.Params("slug"), c.Params("product"))
	if err != nil {
		return err
	}
	body := c.Body()
	if len(body) == 0 || len(body) > maxLogo {
		return invalidField("logo", "send a PNG, JPEG or WebP image of at most 256 KiB as the body")
	}
	mime := ""
	for _, t := range logoTypes {
		if bytes.HasPrefix(body, t.magic) && (t.mime != "image/webp" || len(body) > 12 && string(body[8:12]) == "WEBP") {
			mime = t.mime
		}
	}
	if mime == "" {
		return invalidField("logo", "the image is not PNG, JPEG or WebP")
	}
	prod.Logo = "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(body)
	saved, err := h.Products.PutProduct(c.UserContext(), prod)
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
	if len(in.Markdown) > 50_000 {
		return invalidField("markdown", "at most 50,000 characters")
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
	b := catalog.Badge(in.Badge)
	if b != catalog.BadgeOfficial && b != catalog.BadgeCertified && b != catalog.BadgeNone {
		return invalidField("badge", "official, certified or empty")
	}
	p, err := h.Products.ProductBySlug(c.UserContext(), c.Params("product"))
	if err != nil {
		return err
	}
	p.Badge = b
	saved, err := h.Products.PutProduct(c.UserContext(), p)
	if err != nil {
		return err
	}
	return c.JSON(listingOf(saved))
}

// Pages.

// listingsView is a publisher's listings page.
type listingsView struct {
	Publisher publisher.Publisher
	Products  []catalog.Product
	Form      form
}

func (h *handlers) listingsPage(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	return h.renderListings(c, u, http.StatusOK, form{})
}

func (h *handlers) renderListings(c *fiber.Ctx, u account.User, status int, f form) error {
	p, _, err := h.publisherRole(c.UserContext(), u, c.Params("slug"))
	if err != nil {
		return err
	}
	ps, err := h.Products.ProductsByPublisher(c.UserContext(), p.Slug)
	if err != nil {
		return err
	}
	return h.render(c, status, "listings", p.Name+" listings", listingsView{Publisher: p, Products: ps, Form: f})
}

// createListingForm starts a draft with one free tier; the editor fills in
// the rest.
func (h *handlers) createListingForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	repo := strings.TrimSpace(c.FormValue("repository"))
	in := listingInput{Slug: c.FormValue("slug"), Name: c.FormValue("name"), Kind: c.FormValue("kind"), Repositories: []string{repo},
		Tiers: []tierInput{{ID: "express", Name: "Express"}}, Status: catalog.StatusDraft}
	p, err := h.saveListing(c.UserContext(), u, c.Params("slug"), "", in)
	if err != nil {
		f, ferr := formError(err, map[string]string{"slug": in.Slug, "name": in.Name, "repository": repo})
		if ferr != nil {
			return ferr
		}
		return h.renderListings(c, u, classify(err).Status, f)
	}
	return c.Redirect("/publishers/"+c.Params("slug")+"/products/"+p.Slug+"/edit?done=Draft+created", http.StatusSeeOther)
}

// editView is the listing editor.
type editView struct {
	Publisher publisher.Publisher
	Product   catalog.Product
	TiersJSON string
	Preview   template.HTML // the description's rendering (sanitised), when asked for
	Form      form
}

func tiersJSON(ts []catalog.Tier) string {
	in := make([]tierInput, 0, len(ts))
	for _, t := range ts {
		in = append(in, tierInput{ID: t.ID, Name: t.Name, Description: t.Description, Price: t.Price, Currency: t.Currency,
			Repositories: t.Repositories, Interval: t.Interval, TrialDays: t.TrialDays, Seats: t.Seats, PullQuota: t.PullQuota,
			QuotaPeriod: t.QuotaPeriod, Versions: t.Versions, TagPattern: t.TagPattern, Perpetual: t.Perpetual, Terms: t.Terms})
	}
	b, _ := json.MarshalIndent(in, "", "  ")
	return string(b)
}

func (h *handlers) editListingPage(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	pub, prod, err := h.editableListing(c.UserContext(), u, c.Params("slug"), c.Params("product"))
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "listing_edit", "Edit "+prod.Name, editView{Publisher: pub, Product: prod, TiersJSON: tiersJSON(prod.Tiers)})
}

// editListingForm saves the editor's form, or, with preview set, shows the
// description rendered without saving.
func (h *handlers) editListingForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	pub, prod, err := h.editableListing(c.UserContext(), u, c.Params("slug"), c.Params("product"))
	if err != nil {
		return err
	}
	in := listingInput{Slug: prod.Slug, Name: c.FormValue("name"), Kind: c.FormValue("kind"), Summary: c.FormValue("summary"),
		Description: c.FormValue("description"), Status: c.FormValue("status"),
		Categories:   strings.Split(c.FormValue("categories"), ","),
		Repositories: strings.FieldsFunc(c.FormValue("repositories"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' })}
	view := editView{Publisher: pub, Product: prod, TiersJSON: c.FormValue("tiers")}
	view.Product.Name, view.Product.Summary, view.Product.Description = in.Name, in.Summary, in.Description
	if c.FormValue("preview") != "" {
		view.Preview = newMarkdown().render(in.Description)
		return h.render(c, http.StatusOK, "listing_edit", "Edit "+prod.Name, view)
	}
	if err := json.Unmarshal([]byte(view.TiersJSON), &in.Tiers); err != nil {
		view.Form = form{Error: "tiers: not valid JSON: " + err.Error(), Field: "tiers"}
		return h.render(c, http.StatusUnprocessableEntity, "listing_edit", "Edit "+prod.Name, view)
	}
	saved, err := h.saveListing(c.UserContext(), u, c.Params("slug"), prod.Slug, in)
	if err != nil {
		f, ferr := formError(err, nil)
		if ferr != nil {
			return ferr
		}
		view.Form = f
		return h.render(c, classify(err).Status, "listing_edit", "Edit "+prod.Name, view)
	}
	return c.Redirect("/publishers/"+c.Params("slug")+"/products/"+saved.Slug+"/edit?done=Saved", http.StatusSeeOther)
}

// visibleProduct returns a product by slug if the viewer may see it: a
// published one for anybody, a draft or unpublished one for its
// publisher's members and administrators only; others get not found.
func (h *handlers) visibleProduct(c *fiber.Ctx, slug string) (catalog.Product, error) {
	p, err := h.Products.ProductBySlug(c.UserContext(), slug)
	if err != nil || p.Published() {
		return p, err
	}
	if v, verr := h.currentViewer(c); verr == nil && v.SignedIn() {
		if _, _, err := h.publisherRole(c.UserContext(), v.User, p.Publisher); err == nil {
			return p, nil
		}
	}
	return catalog.Product{}, catalog.ErrNotFound
}
