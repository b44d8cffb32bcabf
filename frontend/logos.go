package frontend

import (
	"fmt"
	"hash/fnv"
	"html"
	"html/template"
	"io"
	"net/http"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/access"
	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/publisher"
)

// logoRoutes serves each listing's uploaded logo at its own URL and takes
// uploads from the listing editor's form (the JSON API's upload is in
// listingRoutes). A logo is visible to whoever may see its listing.
func (h *handlers) logoRoutes(app routes) {
	app.Get("/logos/products/:slug", access.OnListing("slug"), h.productLogo)
	app.Post("/publishers/:slug/products/:product/logo", access.OnPublisher(access.Write, "slug"), h.logoForm)
}

// logoURL is where the product's uploaded logo is served, its content
// hash in the query so a new logo is a new URL; empty when it has none.
func logoURL(p catalog.Product) string {
	img, ok := p.LogoImage()
	if !ok {
		return ""
	}
	return "/logos/products/" + p.Slug + "?v=" + img.Tag[:16]
}

// productLogo serves the logo's bytes as the type checked on upload, never
// sniffed, sandboxed, with its content hash as ETag.
func (h *handlers) productLogo(c *fiber.Ctx) error {
	p, err := h.visibleProduct(c, c.Params("slug"))
	if err != nil {
		return err
	}
	img, ok := p.LogoImage()
	if !ok {
		return catalog.ErrNotFound
	}
	return serveLogo(c, img.Type, img.Bytes, img.Tag, p.Published())
}

// serveLogo sends a logo as the type checked on upload, never sniffed,
// sandboxed, with its tag (the hex SHA-256 of its bytes) as ETag: cached
// for good under a URL naming its tag, briefly otherwise, and not shared
// at all when only some may see it (public false).
func serveLogo(c *fiber.Ctx, mime string, image []byte, tag string, public bool) error {
	etag := `"` + tag + `"`
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; sandbox")
	c.Set(fiber.HeaderETag, etag)
	switch {
	case !public:
		c.Set(fiber.HeaderCacheControl, "private, no-cache")
	case c.Query("v") == tag[:16]:
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	default:
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	}
	for _, t := range strings.Split(c.Get(fiber.HeaderIfNoneMatch), ",") {
		if t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/")); t == etag || t == "*" {
			return c.SendStatus(http.StatusNotModified)
		}
	}
	c.Set(fiber.HeaderContentType, mime)
	return c.Send(image)
}

// logoForm takes the listing editor's logo upload (multipart field
// "logo"); a refused image leaves the old logo and says why.
func (h *handlers) logoForm(c *fiber.Ctx) error {
	return h.withListing(c, func(_ account.User, pub publisher.Publisher, prod catalog.Product) error {
		image, err := formLogo(c)
		if err == nil {
			_, err = h.Publishers.Listings.SetLogo(c.UserContext(), pub.Slug, prod.Slug, image)
		}
		if err != nil {
			f, ferr := formError(err, nil)
			if ferr != nil {
				return ferr
			}
			return h.renderEditor(c, classify(err).Status, editView{Publisher: pub, Product: prod, Tiers: rowsOf(prod.Tiers), Form: f})
		}
		return h.done(c, "/publishers/"+pub.Slug+"/products/"+prod.Slug+"/edit", "Logo updated")
	})
}

// formLogo reads the uploaded file, at most one byte past the limit so
// SetLogo can refuse it.
func formLogo(c *fiber.Ctx) ([]byte, error) {
	fh, err := c.FormFile("logo")
	if err != nil {
		return nil, &catalog.InvalidError{Field: "logo", Message: "choose a PNG, JPEG or WebP image of at most 256 KiB"}
	}
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, catalog.MaxLogo+1))
}

// logoHTML is the listing's logo as an <img> of size px, or, without one,
// a generated monogram: the name's initials on a colour derived from the
// slug, drawn inline so it needs no request.
func logoHTML(p catalog.Product, size int) template.HTML {
	return logoImage(logoURL(p), p.Name, p.Slug, size)
}

// publisherLogoHTML is the publisher's logo, or its monogram (template
// func publisherLogo).
func publisherLogoHTML(p publisher.Publisher, size int) template.HTML {
	return logoImage(publisherLogoURL(p), p.Name, p.Slug, size)
}

// logoImage is the <img> of the logo at url, or without one the monogram
// of name on a colour derived from slug.
func logoImage(url, name, slug string, size int) template.HTML {
	alt := html.EscapeString(name + " logo")
	if url != "" {
		return template.HTML(fmt.Sprintf(`<img class="logo" src="%s" alt="%s" width="%d" height="%d">`, html.EscapeString(url), alt, size, size))
	}
	hf := fnv.New32a()
	hf.Write([]byte(slug))
	hue := hf.Sum32() % 360
	return template.HTML(fmt.Sprintf(`<svg class="logo logo-fallback" role="img" aria-label="%s" width="%d" height="%d" viewBox="0 0 48 48">`+
		`<rect width="48" height="48" rx="8" fill="hsl(%d, 45%%, 32%%)"/>`+
		`<text x="24" y="24" dy=".35em" text-anchor="middle" font-family="system-ui, sans-serif" font-size="20" font-weight="600" fill="#fff">%s</text></svg>`,
		alt, size, size, hue, html.EscapeString(initials(name, slug))))
}

// initials are the first letters of the name's first two words (of the
// slug's, when the name has none).
func initials(name, slug string) string {
	words := strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) == 0 {
		words = strings.FieldsFunc(slug, func(r rune) bool { return r == '-' || r == '_' || r == '.' })
	}
	out := ""
	for _, w := range words {
		if len(out) == 2 {
			break
		}
		r := []rune(w)[0]
		out += string(unicode.ToUpper(r))
	}
	if out == "" {
		return "?"
	}
	return out
}
