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
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/catalog"
)

// parseTemplates parses each page (every templates/*.html but the layout)
// with the shared layout; a page is rendered by its file name without .html.
func parseTemplates() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"price": catalog.FormatMoney, "markdown": newMarkdown().render, "logo": logoHTML,
		"date":          func(t time.Time) string { return t.Format("2 Jan 2006") },
		"datetime":      func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
		"bytes":         func(n int64) string { return nbsp(humanBytes(n)) },
		"humanDuration": humanDuration, "fieldError": fieldError, "fieldAttrs": fieldAttrs, "fieldAttrsHint": fieldAttrsHint,
		"publisherURL": publisherURL, "publisherLogo": publisherLogoHTML,
		"fieldLabel": fieldLabel, "tierRowView": tierRowView, "emptyTier": func() tierRow { return tierRow{Currency: "usd"} },
		"list":          func(v ...string) []string { return v },
		"mainPlatform":  mainPlatform,
		"interfaceName": interfaceName, "privilegeRows": privilegeRows, "installCommand": installCommand,
		"osName": osName, "article": article, "badgeName": badgeName, "copyOf": copyOf, "commandOf": commandOf,
		"markLabel": markLabel, "shortID": shortID,
		"ratio": func(part, total int64) string { return fmt.Sprintf("%.3f", share(part, total)) },
		"sortName": func(s string) string {
			return map[string]string{"popular": "Most popular", "newest": "Newest", "updated": "Recently updated", "name": "Name"}[s]
		},
		"percent": func(part, total int64) string { return fmt.Sprintf("%.1f %%", 100*share(part, total)) },
		"signed":  func(n int64) string { return fmt.Sprintf("%+d", n) },
		"signedBytes": func(n int64) string {
			if n < 0 {
				return "−" + nbsp(humanBytes(-n))
			}
			return "+" + nbsp(humanBytes(n))
		},
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		// templates/_*.html are partials every page may use.
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html", f)
		if err != nil {
			return nil, fmt.Errorf("parsing template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
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
	TokenTTL     span // registry token lifetime, in words: how long a revoked credential's last token lives
	Header       header
	Data         any
}

func (h *handlers) render(c *fiber.Ctx, status int, name, title string, data any) error {
	t, ok := h.pages[name]
	if !ok {
		return fmt.Errorf("no page template %q", name)
	}
	p := page{Title: title, RegistryHost: h.RegistryHost, PublicURL: h.PublicURL, Viewer: viewerOf(c),
		CSRF: h.csrfToken(c), Flash: h.takeFlash(c), Data: data}
	if p.Flash == "" && sessionExpired(c) && name != "signin" {
		p.Flash = expiredNotice
	}
	if h.Tokens != nil {
		p.TokenTTL = span(h.Tokens.TTL())
	}
	if err := h.frame(c, &p); err != nil {
		return err
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
