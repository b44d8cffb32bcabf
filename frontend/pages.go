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
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/publisher"
)

// parseTemplates parses each page (every templates/*.html but the layout)
// with the shared layout; a page is rendered by its file name without .html.
func parseTemplates() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"price": formatPrice, "markdown": newMarkdown().render, "logo": logoHTML,
		"date":          func(t time.Time) string { return t.Format("2 Jan 2006") },
		"datetime":      func(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") },
		"bytes":         humanBytes,
		"humanDuration": humanDuration, "fieldError": fieldError, "fieldAttrs": fieldAttrs,
		"publisherURL": publisherURL, "publisherLogo": publisherLogoHTML,
		"fieldLabel": fieldLabel, "tierRowView": tierRowView, "emptyTier": func() tierRow { return tierRow{Currency: "usd"} },
		"list":          func(v ...string) []string { return v },
		"mainPlatform":  mainPlatform,
		"interfaceName": interfaceName, "privilegeRows": privilegeRows, "installCommand": installCommand,
		"osName": osName,
		"ratio":  func(part, total int64) string { return fmt.Sprintf("%.3f", share(part, total)) },
		"sortName": func(s string) string {
			return map[string]string{"popular": "Most popular", "newest": "Newest", "updated": "Recently updated", "name": "Name"}[s]
		},
		"percent": func(part, total int64) string { return fmt.Sprintf("%.1f %%", 100*share(part, total)) },
		"signed":  func(n int64) string { return fmt.Sprintf("%+d", n) },
		"signedBytes": func(n int64) string {
			if n < 0 {
				return "−" + humanBytes(-n)
			}
			return "+" + humanBytes(n)
		},
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
		CSRF: h.csrfToken(c), Flash: h.takeFlash(c), Data: data}
	if p.Flash == "" && sessionExpired(c) && name != "signin" {
		p.Flash = expiredNotice
	}
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
	p, err := h.visibleProduct(c, c.Params("slug"))
	if err != nil {
		return err
	}
	v := h.productView(p, "")
	if c.Query("checkout") == "canceled" {
		v.Notice = "Checkout canceled: nothing was charged."
	}
	if err := h.addProductDetails(c, &v); err != nil {
		return err
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
	// Publisher is the product's publisher (Verified shows a badge).
	Publisher publisher.Publisher
	// Repos are the product's repositories with their tags and pulls.
	Repos []productRepo
	// Held is a license of the viewer's for this product, if any: the pull
	// command names it.
	Held *heldLicense
	// PullTag is the tag the pull command shows.
	PullTag string
	// Payments says whether paid tiers can be bought here (Stripe keys set).
	Payments bool
}

func (h *handlers) productView(p catalog.Product, errMsg string) productView {
	return productView{Product: p, Error: errMsg, Payments: h.Billing != nil && h.Billing.Enabled()}
}

// productRepo is one repository of a product page with its tags.
type productRepo struct {
	Name  string
	Tags  []catalog.Tag
	Pulls map[string]int64
}

// addProductDetails fills in the publisher, tags and the viewer's license.
func (h *handlers) addProductDetails(c *fiber.Ctx, v *productView) error {
	ctx := c.UserContext()
	if h.Publishers != nil {
		if pub, err := h.Publishers.PublisherBySlug(ctx, v.Product.Publisher); err == nil {
			v.Publisher = pub
		}
	}
	v.PullTag = "latest"
	if h.Tags != nil {
		for _, repo := range v.Product.Repositories {
			tags, err := h.Tags.Tags(ctx, repo)
			if err != nil {
				return err
			}
			pulls, err := h.Tags.TagPullTotals(ctx, repo)
			if err != nil {
				return err
			}
			v.Repos = append(v.Repos, productRepo{Name: repo, Tags: tags, Pulls: pulls})
		}
	}
	viewer := viewerOf(c)
	if !viewer.SignedIn() {
		return nil
	}
	held, err := h.heldLicenses(ctx, viewer.User)
	if err != nil {
		return err
	}
	now := time.Now()
	for i := range held {
		if held[i].Product == v.Product.Slug && held[i].Usable(now) {
			v.Held = &held[i]
			break
		}
	}
	if v.Held != nil && len(v.Repos) > 0 {
		// A tag the license covers, newest first.
		for _, t := range v.Repos[0].Tags {
			ent := licensing.Entitled{Versions: v.Held.Entitlement.Versions, TagPattern: v.Held.Entitlement.TagPattern}
			if ent.AllowsTag(t.Name, t.PushedAt).Allowed {
				v.PullTag = t.Name
				break
			}
		}
	}
	return nil
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
