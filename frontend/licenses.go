package frontend

import (
	"github.com/berth/berth/access"
	"net/http"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
)

// licensePages registers the buyer's pages: taking a free tier from the
// product page, and the list of one's licenses.
func (h *handlers) licensePages(app routes) {
	app.Post("/products/:slug/checkout", access.BuyFor("for"), h.checkoutForm)
	app.Get("/licenses", access.Self(access.Read), h.licensesPage)
	app.Get("/licenses/:id", access.OnLicense(access.Read, "id"), h.licensePage)
	app.Post("/licenses/:id/seats/release", access.OnLicense(access.Manage, "id"), h.releaseSeatForm)
	app.Get("/admin/usage", access.AdminPage, h.adminUsagePage)
}

// issuedView is the page that shows a new license's key, the only time it
// is ever shown.
type issuedView struct {
	License licensing.License
	Key     string
	Product catalog.Product
	Owner   string
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
	if !p.Published() {
		return catalog.ErrNotFound // drafts are not for sale
	}
	refuse := func(err error) error {
		f, ferr := formError(err, nil)
		if ferr != nil {
			return ferr
		}
		return h.render(c, classify(err).Status, "product", p.Name, h.productView(p, f.Error))
	}
	tier, ok := p.Tier(c.FormValue("tier"))
	if !ok {
		return refuse(badInput("tier", "Choose one of the tiers below."))
	}
	// The form asks every buyer to accept the tier's terms, versioned or not.
	if c.FormValue("accept") != "yes" {
		return refuse(&licensing.TermsNotAcceptedError{Version: tier.TermsVersion})
	}
	owner, err := h.licenseOwner(c.UserContext(), u, c.FormValue("for"))
	if err != nil {
		return refuse(err)
	}
	if !tier.Free() {
		quantity, _ := strconv.Atoi(c.FormValue("quantity", "1"))
		co, err := h.paidCheckout(c.UserContext(), u, p, tier, owner, quantity)
		if err != nil {
			return refuse(err)
		}
		return c.Redirect(co.URL, http.StatusSeeOther)
	}
	issued, err := h.Licenses.CheckoutFree(c.UserContext(), owner.ID, p.Slug, tier.ID)
	if err != nil {
		return refuse(err)
	}
	return h.render(c, http.StatusCreated, "license_issued", "Your license",
		issuedView{License: issued.License, Key: issued.Key, Product: p, Owner: owner.Name})
}

// licensesView lists the buyer's licenses and their organisations'.
type licensesView struct {
	Licenses []heldLicense
}

func (h *handlers) licensesPage(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	ls, err := h.heldLicenses(c.UserContext(), u)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "licenses", "Licenses", licensesView{Licenses: ls})
}

// licenseView is one license's page: its terms, seats, quota, pulls and
// the tokens issued through it.
type licenseView struct {
	License heldLicense
	// Tier is the tier as sold now; TermsPending says its terms changed
	// since the license accepted them.
	Tier         catalog.Tier
	TermsPending bool
	Quota        *licensing.QuotaStatus
	Seats        []licensing.Seat
	Pulls        []licensing.Pull
	Tokens       []licensing.TokenRecord
	// Notices are the publisher's withdrawals of the license's tags.
	Notices []noticeJSON
}

func (h *handlers) licensePage(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	ctx := c.UserContext()
	l, err := h.licenseAccess(ctx, u, c.Params("id"))
	if err != nil {
		return err
	}
	v := licenseView{License: l}
	if p, err := h.Products.ProductBySlug(ctx, l.Product); err == nil {
		v.Tier, _ = p.Tier(l.Tier)
		v.TermsPending = v.Tier.TermsVersion > l.TermsVersion
	}
	if v.Quota, err = h.Licenses.QuotaUsage(ctx, l.License); err != nil {
		return err
	}
	if v.Seats, err = h.Licenses.Seats(ctx, l.ID); err != nil {
		return err
	}
	q := licensing.UsageQuery{LicenseID: l.ID, Limit: 25}
	if v.Pulls, err = h.Licenses.Pulls(ctx, q); err != nil {
		return err
	}
	if v.Tokens, err = h.Licenses.TokenRecords(ctx, q); err != nil {
		return err
	}
	if v.Notices, err = h.licenseNotices(ctx, l.Repositories); err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "license", l.Product+" license", v)
}

// releaseSeatForm frees a seat and goes back to the license page.
func (h *handlers) releaseSeatForm(c *fiber.Ctx) error {
	if _, ok, err := h.requirePageUser(c); !ok {
		return err
	}
	if err := h.releaseSeat(c.UserContext(), c.Params("id"), c.FormValue("holder")); err != nil {
		return err
	}
	return h.done(c, "/licenses/"+c.Params("id"), "Seat freed")
}

// usageView is the admin's view of every license's pulls and tokens.
type usageView struct {
	Pulls  []licensing.Pull
	Tokens []licensing.TokenRecord
}

func (h *handlers) adminUsagePage(c *fiber.Ctx) error {
	if _, err := adminViewer(c); err != nil {
		return err
	}
	ctx := c.UserContext()
	var v usageView
	var err error
	q := licensing.UsageQuery{Limit: 50}
	if v.Pulls, err = h.Licenses.Pulls(ctx, q); err != nil {
		return err
	}
	if v.Tokens, err = h.Licenses.TokenRecords(ctx, q); err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "admin_usage", "Registry usage", v)
}
