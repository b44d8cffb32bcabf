package frontend

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/catalog"
)

// pageNames are the templates rendered inside layout.html.
var pageNames = []string{"index", "product", "error"}

// parseTemplates parses each page with the shared layout.
func parseTemplates() (map[string]*template.Template, error) {
	funcs := template.FuncMap{"price": formatPrice, "markdown": newMarkdown().render}
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
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
	return fmt.Sprintf("%s%d.%02d", symbol, cents/100, cents%100)
}

// page is what every template sees.
type page struct {
	Title        string
	RegistryHost string
	PublicURL    string
	Data         any
}

func (h *handlers) render(c *fiber.Ctx, status int, name, title string, data any) error {
	var buf bytes.Buffer
	p := page{Title: title, RegistryHost: h.RegistryHost, PublicURL: h.PublicURL, Data: data}
	if err := h.pages[name].Execute(&buf, p); err != nil {
		return fmt.Errorf("rendering %s: %w", name, err)
	}
	c.Type("html", "utf-8")
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
	return h.render(c, http.StatusOK, "product", p.Name, p)
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
