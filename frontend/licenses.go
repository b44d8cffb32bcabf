package frontend

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/berth/berth/access"
	"github.com/berth/berth/billing"

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
	app.Get("/licenses/:id/issued", access.OnLicense(access.Read, "id"), h.issuedPage)
	app.Post("/licenses/:id/seats/release", access.OnLicense(access.Manage, "id"), h.releaseSeatForm)
	app.Get("/admin/usage", access.AdminPage, h.adminUsagePage)
}

// issuedView is the page that shows a new license's key, the only time it
// is ever shown. Key is empty when the page is opened again: the key was
// shown once and is gone.
type issuedView struct {
	License namedLicense
	Key     string
	Product catalog.Product
	Owner   string
	Pull    pullBox
}

// checkoutForm takes a tier for the signed-in buyer: a free tier issues
// the license at once and redirects to the page that shows its key once
// (post-redirect-get, the key held sealed server-side in between, see
// holdKey); a paid one
// goes to Stripe Checkout.
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
	refuse := func(err error) error { return h.refuseCheckout(c, p, err) }
	tier, ok := p.Tier(c.FormValue("tier"))
	if !ok {
		return refuse(badInput("tier", "Choose one of the tiers below."))
	}
	if !tier.Free() && (h.Billing == nil || !h.Billing.Enabled()) {
		return refuse(billing.ErrNotConfigured)
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
	if err := h.holdKey(c, issued); err != nil {
		return err
	}
	return c.Redirect("/licenses/"+issued.License.ID+"/issued", http.StatusSeeOther)
}

// refuseCheckout shows the product page again with why the checkout was
// refused, in the status the error maps to.
func (h *handlers) refuseCheckout(c *fiber.Ctx, p catalog.Product, err error) error {
	f, ferr := formError(err, nil)
	if ferr != nil {
		return ferr
	}
	msg := f.Error
	var already *licensing.AlreadyLicensedError
	if errors.As(err, &already) {
		msg = "You already hold this tier: see your license."
	}
	v, verr := h.fullProductView(c, p, msg)
	if verr != nil {
		return verr
	}
	return h.render(c, classify(err).Status, "product", p.Name, v)
}

// issuedPage shows the key the form before it made, once: the held key is
// taken from the database as the page is shown, so a reload (or another
// tab, or another instance) shows the license without it, and issues
// nothing.
func (h *handlers) issuedPage(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	ctx := c.UserContext()
	l, err := h.licenseAccess(ctx, u, c.Params("id"))
	if err != nil {
		return err
	}
	key, err := h.takeKey(c, l.ID)
	if err != nil && !errors.Is(err, licensing.ErrNoHandover) {
		return err
	}
	named := h.nameLicense(ctx, l)
	v := issuedView{License: named, Key: key, Product: named.product, Owner: l.OwnerName}
	if v.Pull, err = h.licensePullBox(ctx, l, named.product.Kind); err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "license_issued", "Your license", v)
}

// licensesView lists the buyer's licenses and their organisations'.
type licensesView struct {
	Licenses []namedLicense
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
	return h.render(c, http.StatusOK, "licenses", "Licenses", licensesView{Licenses: h.nameLicenses(c.UserContext(), ls)})
}

// licenseView is one license's page: its terms, seats, quota, pulls and
// the tokens issued through it.
type licenseView struct {
	License namedLicense
	// Pull is the command at the top: a tag the license covers.
	Pull pullBox
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
	v := licenseView{License: h.nameLicense(ctx, l)}
	if p := v.License.product; p.Slug != "" {
		v.Tier, _ = p.Tier(l.Tier)
		v.TermsPending = v.Tier.TermsVersion > l.TermsVersion
	}
	if v.Pull, err = h.licensePullBox(ctx, l, v.License.product.Kind); err != nil {
		return err
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
	return h.render(c, http.StatusOK, "license", v.License.ProductName+" license", v)
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
