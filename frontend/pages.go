package frontend

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/catalog"
)

// parseTemplates parses each page (every templates/*.html but the layout)
// with the shared layout; a page is rendered by its file name without .html.
func parseTemplates() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"price": formatPrice, "markdown": newMarkdown().render,
		"date":     func(t time.Time) string { return t.Format("2 Jan 2006") },
		"datetime": func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", f)
		if err != nil {
			return nil, fmt.Errorf("parsing template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// formatPrice renders minor units as a price: 0 → "$0.00", 9900 usd → "$99.00".
func formatPrice(cents int64, currency string) string {
	symbol := map[string]string{"usd": "$", "eur": "€", "gbp": "£"}[strings.ToLower(currency)]
	if symbol == "" {
		symbol = strings.ToUpper(currency) + " "
	}
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%s%d.%02d", sign, symbol, cents/100, cents%100)
}

// page is what every template sees.
type page struct {
	Title        string
	RegistryHost string
	PublicURL    string
	Viewer       viewer
	Contexts     []string // accounts the viewer may act for: own name, then organisations
	CSRF         string
	Flash        string
	TokenTTL     time.Duration // registry token lifetime: how long a revoked credential's last token lives
	Data         any
}

func (h *handlers) render(c *fiber.Ctx, status int, name, title string, data any) error {
	t, ok := h.pages[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	p := page{Title: title, RegistryHost: h.RegistryHost, PublicURL: h.PublicURL, Viewer: viewerOf(c),
		CSRF: h.csrfToken(c), Flash: c.Query("done"), Data: data}
	if h.Tokens != nil {
		p.TokenTTL = h.Tokens.TTL()
	}
	if p.Viewer.SignedIn() {
		p.Contexts = append(p.Contexts, p.Viewer.User.Username)
		orgs, err := h.Accounts.OrgsOf(c.UserContext(), p.Viewer.User.ID)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			p.Contexts = append(p.Contexts, o.Name)
		}
		// A session may still act for an organisation the user has left.
		if !slices.Contains(p.Contexts, p.Viewer.Session.Context) {
			p.Viewer.Session.Context = p.Viewer.User.Username
		}
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, p); err != nil {
		return fmt.Errorf("rendering %s: %w", name, err)
	}
	c.Type("html", "utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).Send(buf.Bytes())
}

func (h *handlers) errorPage(c *fiber.Ctx, ae *apiError) error {
	return h.render(c, ae.Status, "error", http.StatusText(ae.Status), ae)
}

// shelf is one titled row of products on the home page.
type shelf struct {
	Title    string
	Anchor   string
	Products []catalog.Product
}

func (h *handlers) indexPage(c *fiber.Ctx) error {
	official, certified := catalog.BadgeOfficial, catalog.BadgeCertified
	queries := []struct {
		title, anchor string
		q             catalog.ListQuery
	}{
		{"Official images", "official", catalog.ListQuery{Kind: catalog.KindImage, Badge: &official, Limit: 24}},
		{"Certified images", "certified", catalog.ListQuery{Kind: catalog.KindImage, Badge: &certified, Limit: 24}},
		{"Plugins", "plugins", catalog.ListQuery{Kind: catalog.KindPlugin, Limit: 24}},
	}
	var shelves []shelf
	for _, q := range queries {
		ps, err := h.Products.ListProducts(c.UserContext(), q.q)
		if err != nil {
			return err
		}
		shelves = append(shelves, shelf{Title: q.title, Anchor: q.anchor, Products: ps})
	}
	return h.render(c, http.StatusOK, "index", "Explore", shelves)
}

func (h *handlers) productPage(c *fiber.Ctx) error {
	p, err := h.Products.ProductBySlug(c.UserContext(), c.Params("slug"))
	if err != nil {
		return err
	}
	v := h.productView(p, "")
	if c.Query("checkout") == "canceled" {
		v.Notice = "Checkout canceled: nothing was charged."
	}
	if viewer := viewerOf(c); viewer.SignedIn() && h.Stars != nil {
		if v.Starred, err = h.Stars.HasStarred(c.UserContext(), viewer.User.ID, p.Slug); err != nil {
			return err
		}
	}
	return h.render(c, http.StatusOK, "product", p.Name, v)
}

// productView is the product page: the product, whether the viewer starred
// it, and, after a refused checkout, why.
type productView struct {
	Product catalog.Product
	Starred bool
	Error   string
	Notice  string
	// Payments says whether paid tiers can be bought here (Stripe keys set).
	Payments bool
}

func (h *handlers) productView(p catalog.Product, errMsg string) productView {
	return productView{Product: p, Error: errMsg, Payments: h.Billing != nil && h.Billing.Enabled()}
}

// static serves the embedded stylesheet and images.
func (h *handlers) static(c *fiber.Ctx) error {
	name := path.Clean("static/" + c.Params("*"))
	b, err := fs.ReadFile(staticFS, name)
	if err != nil || !strings.HasPrefix(name, "static/") {
		return fiber.ErrNotFound
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		c.Set(fiber.HeaderContentType, t)
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.Send(b)
}
