package frontend

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/access"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/publisher"
)

// publicPublisherPages registers what anyone sees of a publisher: its
// page (the portal's sections added for its members) and logo; and its
// members' edits of them. After /publishers/apply, which it would catch.
func (h *handlers) publicPublisherPages(app routes) {
	app.Get("/publishers/:slug", access.Anyone, h.publisherPage)
	app.Post("/publishers/:slug/profile", access.OnPublisher(access.Write, "slug"), h.profileForm)
	app.Post("/publishers/:slug/logo", access.OnPublisher(access.Write, "slug"), h.publisherLogoForm)
	app.Get("/logos/publishers/:slug", access.Anyone, h.publisherLogo)
}

// publicPublisherAPI registers a publisher's profile in JSON, its
// members' edits of it, and the apply form's namespace check.
func (h *handlers) publicPublisherAPI(api routes) {
	api.Get("/publishers/:slug", access.Anyone, h.publisherAPI)
	api.Patch("/publishers/:slug", access.OnPublisher(access.Write, "slug"), h.updatePublisherAPI)
	api.Put("/publishers/:slug/logo", access.OnPublisher(access.Write, "slug"), h.publisherLogoAPI)
	api.Get("/publisher-namespaces/:name", access.Self(access.Read), h.namespaceCheckAPI)
}

// publisherURL is a publisher's public page (template func publisherURL):
// every page naming a publisher links it there.
func publisherURL(slug string) string { return "/publishers/" + slug }

// publisherLogoURL is where the publisher's logo is served, its tag in the
// query so that a new logo is a new URL; "" when it has none.
func publisherLogoURL(p publisher.Publisher) string {
	if p.LogoTag == "" {
		return ""
	}
	return "/logos/publishers/" + p.Slug + "?v=" + p.LogoTag[:16]
}

// publicPublisher returns the publisher the route names and whether the
// caller is one of its members (or an administrator), asking access; a
// publisher without a public page yet is not found by anyone else.
func (h *handlers) publicPublisher(c *fiber.Ctx) (publisher.Publisher, bool, error) {
	slug := c.Params("slug")
	p, err := h.Publishers.PublisherBySlug(c.UserContext(), slug)
	if err != nil {
		return p, false, err
	}
	member := false
	if pr, err := h.principal(c, !strings.HasPrefix(c.Path(), "/api/")); err == nil && pr.Kind != access.Anonymous {
		dec, err := h.Access.Decide(c.UserContext(), pr, access.OnPublisher(access.Read, "slug"), slug)
		if err != nil {
			return p, false, err
		}
		member = dec.Allowed()
	}
	if !p.Public() && !member {
		return p, false, describe(publisher.ErrNotFound, "", "no publisher "+slug)
	}
	return p, member, nil
}

// publisherProducts are the publisher's listings a visitor sees: those on
// sale, and for its members its drafts too.
func (h *handlers) publisherProducts(c *fiber.Ctx, p publisher.Publisher, member bool) ([]catalog.Product, error) {
	if member {
		return h.Publishers.Listings.Listings(c.UserContext(), p.Slug)
	}
	return h.Publishers.Listings.PublishedListings(c.UserContext(), p.Slug)
}

// publisherPage is the publisher's public page; its members also find the
// portal there (keys, push tokens, webhooks, releases, uploads).
func (h *handlers) publisherPage(c *fiber.Ctx) error {
	p, member, err := h.publicPublisher(c)
	if err != nil {
		return err
	}
	if member {
		return h.renderPortal(c, viewerOf(c).User, http.StatusOK, "", "")
	}
	v, err := h.publicView(c, p, false)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "publisher", p.Name, portalView{Public: v})
}

// publicView is the public part of the publisher's page.
func (h *handlers) publicView(c *fiber.Ctx, p publisher.Publisher, member bool) (publicPublisherView, error) {
	ps, err := h.publisherProducts(c, p, member)
	return publicPublisherView{Publisher: p, LogoURL: publisherLogoURL(p), Products: ps, Member: member}, err
}

// publicPublisherView is what anyone sees of a publisher.
type publicPublisherView struct {
	Publisher publisher.Publisher
	LogoURL   string
	Products  []catalog.Product
	Member    bool
	Form      form // a refused profile edit
}

// publisherProfileJSON is a publisher as anyone sees it; its members also
// get the fields of publisherJSON.
type publisherProfileJSON struct {
	publisherJSON
	Description string              `json:"description"`
	URL         string              `json:"url"`
	LogoURL     string              `json:"logo_url,omitempty"`
	Products    []publicProductJSON `json:"products"`
}

// publicProductJSON is one of a publisher's listings on its profile.
type publicProductJSON struct {
	Slug    string `json:"slug"`
	Name    string `json:"name"`
	Summary string `json:"summary"`
	Kind    string `json:"kind"`
	Badge   string `json:"badge,omitempty"`
	Status  string `json:"status"`
	URL     string `json:"url"`
	LogoURL string `json:"logo_url,omitempty"`
}

func (h *handlers) profileOf(c *fiber.Ctx, p publisher.Publisher, member bool) (publisherProfileJSON, error) {
	ps, err := h.publisherProducts(c, p, member)
	if err != nil {
		return publisherProfileJSON{}, err
	}
	out := publisherProfileJSON{Description: p.Description, URL: h.PublicURL + publisherURL(p.Slug), LogoURL: publisherLogoURL(p),
		Products: make([]publicProductJSON, 0, len(ps))}
	if member {
		out.publisherJSON = publisherOf(p)
	} else {
		out.publisherJSON = publisherJSON{Slug: p.Slug, Name: p.Name, Verified: p.Verified, Status: string(p.Status), Namespaces: nonNil(p.Namespaces)}
	}
	for _, prod := range ps {
		status := prod.Status
		if status == "" {
			status = catalog.StatusPublished
		}
		out.Products = append(out.Products, publicProductJSON{Slug: prod.Slug, Name: prod.Name, Summary: prod.Summary, Kind: string(prod.Kind),
			Badge: string(prod.Badge), Status: status, URL: "/products/" + prod.Slug, LogoURL: logoURL(prod)})
	}
	return out, nil
}

func (h *handlers) publisherAPI(c *fiber.Ctx) error {
	p, member, err := h.publicPublisher(c)
	if err != nil {
		return err
	}
	out, err := h.profileOf(c, p, member)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handlers) updatePublisherAPI(c *fiber.Ctx) error {
	var in struct {
		Description string `json:"description"`
	}
	if _, err := h.userInput(c, &in); err != nil {
		return err
	}
	p, err := h.Publishers.SetDescription(c.UserContext(), c.Params("slug"), in.Description)
	if err != nil {
		return err
	}
	out, err := h.profileOf(c, p, true)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (h *handlers) publisherLogoAPI(c *fiber.Ctx) error {
	p, err := h.Publishers.SetLogo(c.UserContext(), c.Params("slug"), c.Body())
	if err != nil {
		return err
	}
	out, err := h.profileOf(c, p, true)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// publisherLogo serves the publisher's logo as the type checked on
// upload, cached for good under its tag.
func (h *handlers) publisherLogo(c *fiber.Ctx) error {
	p, _, err := h.publicPublisher(c)
	if err != nil {
		return err
	}
	l, tag, err := h.Publishers.Logo(c.UserContext(), p.Slug)
	if errors.Is(err, publisher.ErrNotFound) {
		return describe(err, "", p.Name+" has no logo")
	} else if err != nil {
		return err
	}
	return serveLogo(c, l.Type, l.Bytes, tag, p.Public())
}

func (h *handlers) profileForm(c *fiber.Ctx) error {
	slug := c.Params("slug")
	if _, err := h.Publishers.SetDescription(c.UserContext(), slug, c.FormValue("description")); err != nil {
		return h.profileFormError(c, err, map[string]string{"description": c.FormValue("description")})
	}
	return h.done(c, publisherURL(slug), "Profile saved")
}

func (h *handlers) publisherLogoForm(c *fiber.Ctx) error {
	slug := c.Params("slug")
	image, err := formLogo(c)
	if err == nil {
		_, err = h.Publishers.SetLogo(c.UserContext(), slug, image)
	}
	if err != nil {
		return h.profileFormError(c, err, nil)
	}
	return h.done(c, publisherURL(slug), "Logo updated")
}

// profileFormError shows the portal again with the refused profile edit
// beside its fields.
func (h *handlers) profileFormError(c *fiber.Ctx, err error, values map[string]string) error {
	f, ferr := formError(err, values)
	if ferr != nil {
		return ferr
	}
	return h.renderPortalForm(c, viewerOf(c).User, classify(err).Status, f)
}

// namespaceCheckAPI says whether the organisation may claim a namespace
// for its application, before it is sent: the apply form asks as the
// applicant types.
func (h *handlers) namespaceCheckAPI(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	check, err := h.checkNamespace(c, u, c.Query("organization"), c.Query("slug"), c.Params("name"))
	if err != nil {
		return err
	}
	return c.JSON(check)
}
