package frontend

import (
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
)

// licensePages registers the buyer's pages: taking a free tier from the
// product page, and the list of one's licenses.
func (h *handlers) licensePages(app *fiber.App) {
	app.Post("/products/:slug/checkout", h.checkoutForm)
	app.Get("/licenses", h.licensesPage)
}

// issuedView is the page that shows a new license's key, the only time it
// is ever shown.
type issuedView struct {
	License licensing.License
	Key     string
	Product catalog.Product
}

// checkoutForm takes a free tier for the signed-in buyer and shows the key
// on the answer itself: never in a URL, never again.
func (h *handlers) checkoutForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	p, err := h.Products.ProductBySlug(c.UserContext(), c.Params("slug"))
	if err != nil {
		return err
	}
	if c.FormValue("accept") != "yes" {
		return h.render(c, http.StatusUnprocessableEntity, "product", p.Name, productView{Product: p,
			Error: "Accept the license terms to take this tier."})
	}
	issued, err := h.Licenses.CheckoutFree(c.UserContext(), u.ID, p.Slug, c.FormValue("tier"))
	if err != nil {
		f, ferr := formError(err, nil)
		if ferr != nil {
			return ferr
		}
		return h.render(c, classify(err).Status, "product", p.Name, productView{Product: p, Error: f.Error})
	}
	return h.render(c, http.StatusCreated, "license_issued", "Your license", issuedView{License: issued.License, Key: issued.Key, Product: p})
}

// licensesView lists the buyer's licenses.
type licensesView struct {
	Licenses []licensing.License
}

func (h *handlers) licensesPage(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	ls, err := h.Licenses.Licenses(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "licenses", "Licenses", licensesView{Licenses: ls})
}
