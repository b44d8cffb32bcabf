package frontend

import (
	"context"
	"errors"
	"github.com/berth/berth/access"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
	"github.com/berth/berth/billing"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
)

// billingRoutes registers orders, the Stripe webhook's twin pages and
// publishers' earnings. The webhook itself is registered before sessions
// and CSRF (see routes): Stripe signs it instead.
func (h *handlers) billingRoutes(app, api routes) {
	api.Get("/orders", access.Self(access.Read), h.ordersAPI)
	api.Get("/orders/:id", access.OnOrder("id"), h.orderAPI)
	api.Post("/billing/portal", access.BuyFor("organization"), h.portalAPI)
	api.Post("/licenses/:id/key", access.OnLicense(access.Manage, "id").Personally(), h.revealKeyAPI)
	api.Post("/licenses/:id/terms", access.OnLicense(access.Manage, "id"), h.acceptTermsAPI)
	api.Get("/publishers/:slug/earnings", access.OnPublisher(access.Read, "slug"), h.earningsAPI)
	api.Get("/publishers/:slug/earnings.csv", access.OnPublisher(access.Read, "slug"), h.earningsCSV)
}

func (h *handlers) billingPages(app routes) {
	app.Get("/orders", access.Self(access.Read), h.ordersPage)
	app.Get("/orders/:id", access.OnOrder("id"), h.orderPage)
	app.Post("/billing/portal", access.BuyFor("for"), h.portalForm)
	app.Get("/licenses/:id/key", access.OnLicense(access.Manage, "id").Personally(), h.newKeyPage)
	app.Post("/licenses/:id/key", access.OnLicense(access.Manage, "id").Personally(), h.revealKeyForm)
	app.Post("/licenses/:id/terms", access.OnLicense(access.Manage, "id"), h.acceptTermsForm)
	app.Get("/publishers/:slug/earnings", access.OnPublisher(access.Read, "slug"), h.earningsPage)
}

// stripeWebhook takes Stripe's events. A bad signature is 400 (Stripe
// stops); a failure while processing is 500, so Stripe retries and the
// retry completes the work (see billing.Service.HandleWebhook).
func (h *handlers) stripeWebhook(c *fiber.Ctx) error {
	if err := h.Billing.HandleWebhook(c.UserContext(), c.Body(), c.Get("Stripe-Signature")); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"received": true})
}

// paidCheckout starts a Stripe Checkout for a paid tier.
func (h *handlers) paidCheckout(ctx context.Context, u account.User, p catalog.Product, tier catalog.Tier, owner licenseBuyer, quantity int) (billing.Checkout, error) {
	return h.Billing.Checkout(ctx, billing.CheckoutRequest{Buyer: u.ID, BuyerName: u.Username, Email: u.Email,
		Owner: owner.ID, OwnerName: owner.Name, Product: p.Slug, Tier: tier.ID, Quantity: quantity})
}

// orderJSON is an order as its buyer sees it.
type orderJSON struct {
	ID         string     `json:"id"`
	Status     string     `json:"status"`
	Product    string     `json:"product"`
	Tier       string     `json:"tier"`
	Owner      string     `json:"owner"`
	Mode       string     `json:"mode"`
	Interval   string     `json:"interval,omitempty"`
	Quantity   int        `json:"quantity"`
	Amount     int64      `json:"amount"`
	Currency   string     `json:"currency"`
	License    string     `json:"license,omitempty"`
	ReceiptURL string     `json:"receipt_url,omitempty"`
	PeriodEnd  *time.Time `json:"period_end,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

func orderOf(o billing.Order, licensed bool) orderJSON {
	out := orderJSON{ID: o.ID, Status: string(o.Status), Product: o.Product, Tier: o.Tier, Owner: o.OwnerName, Mode: o.Mode,
		Interval: o.Interval, Quantity: o.Quantity, Amount: o.Amount, Currency: o.Currency, ReceiptURL: o.ReceiptURL, CreatedAt: o.CreatedAt}
	if licensed {
		out.License = o.LicenseID
	}
	if !o.PeriodEnd.IsZero() {
		out.PeriodEnd = &o.PeriodEnd
	}
	return out
}

// buyerOrder returns an order, and whether its license exists yet. The
// routes that call it declare access.OnOrder, which decided that the
// caller bought it (or administers Berth).
func (h *handlers) buyerOrder(ctx context.Context, id string) (billing.Order, bool, error) {
	o, err := h.Billing.Order(ctx, id)
	if err != nil {
		return o, false, err
	}
	_, err = h.Licenses.License(ctx, o.LicenseID)
	if errors.Is(err, licensing.ErrNotFound) {
		return o, false, nil
	}
	return o, err == nil, err
}

func (h *handlers) ordersAPI(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	orders, err := h.Billing.Orders(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	out := make([]orderJSON, 0, len(orders))
	for _, o := range orders {
		out = append(out, orderOf(o, o.Status != billing.OrderPending && o.Status != billing.OrderFailed))
	}
	return c.JSON(fiber.Map{"orders": out})
}

func (h *handlers) orderAPI(c *fiber.Ctx) error {
	o, licensed, err := h.buyerOrder(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(orderOf(o, licensed))
}

// ordersView lists the buyer's orders.
type ordersView struct {
	Orders  []billing.Order
	Enabled bool
}

func (h *handlers) ordersPage(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	orders, err := h.Billing.Orders(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "orders", "Orders", ordersView{Orders: orders, Enabled: h.Billing.Enabled()})
}

// orderView is one order's page: the page Stripe sends the buyer back to.
// Until the webhook has landed it says so and looks again by itself.
type orderView struct {
	Order    billing.Order
	Licensed bool
	License  licensing.License
}

func (h *handlers) orderPage(c *fiber.Ctx) error {
	if _, ok, err := h.requirePageUser(c); !ok {
		return err
	}
	o, licensed, err := h.buyerOrder(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	v := orderView{Order: o, Licensed: licensed}
	if licensed {
		if v.License, err = h.Licenses.License(c.UserContext(), o.LicenseID); err != nil {
			return err
		}
	}
	return h.render(c, http.StatusOK, "order", "Order "+o.ID, v)
}

// portal opens Stripe's Customer Portal for the viewer or an organisation
// they administer.
func (h *handlers) portal(ctx context.Context, u account.User, org string) (string, error) {
	owner, err := h.licenseOwner(ctx, u, org)
	if err != nil {
		return "", err
	}
	url, err := h.Billing.PortalURL(ctx, owner.ID)
	if errors.Is(err, billing.ErrNotFound) {
		return "", describe(err, "", owner.Name+" has bought nothing through Stripe yet")
	}
	return url, err
}

func (h *handlers) portalAPI(c *fiber.Ctx) error {
	var in struct {
		Organization string `json:"organization"`
	}
	u, err := h.userInput(c, &in)
	if err != nil {
		return err
	}
	url, err := h.portal(c.UserContext(), u, in.Organization)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"url": url})
}

func (h *handlers) portalForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	url, err := h.portal(c.UserContext(), u, c.FormValue("for"))
	if err != nil {
		return err
	}
	return c.Redirect(url, http.StatusSeeOther)
}

// acceptTerms records that the holder accepts the tier's current terms.
func (h *handlers) acceptTerms(ctx context.Context, u account.User, id string, version int) (heldLicense, error) {
	l, err := h.licenseAccess(ctx, u, id)
	if err != nil {
		return l, err
	}
	accepted, err := h.Licenses.AcceptTerms(ctx, l.ID, version)
	l.License = accepted
	return l, err
}

func (h *handlers) acceptTermsAPI(c *fiber.Ctx) error {
	var in struct {
		Version int `json:"version"`
	}
	u, err := h.userInput(c, &in)
	if err != nil {
		return err
	}
	l, err := h.acceptTerms(c.UserContext(), u, c.Params("id"), in.Version)
	if err != nil {
		return err
	}
	return c.JSON(h.licenseOf(l, ""))
}

func (h *handlers) acceptTermsForm(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	version, _ := strconv.Atoi(c.FormValue("version"))
	if _, err := h.acceptTerms(c.UserContext(), u, c.Params("id"), version); err != nil {
		return err
	}
	return h.done(c, "/licenses/"+c.Params("id"), "Terms accepted")
}

// earningsRange reads ?from and ?to (YYYY-MM, months inclusive); the
// default is the last twelve months.
func earningsRange(c *fiber.Ctx) (time.Time, time.Time, error) {
	now := time.Now().UTC()
	to := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	from := to.AddDate(-1, 0, 0)
	for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
		v := c.Query(name)
		if v == "" {
			continue
		}
		m, err := time.Parse("2006-01", v)
		if err != nil {
			return from, to, badRequest(name, name+" must be a month such as 2026-11")
		}
		if name == "to" {
			m = m.AddDate(0, 1, 0)
		}
		*dst = m
	}
	if !from.Before(to) {
		return from, to, badRequest("from", "from must be before to")
	}
	return from, to, nil
}

type monthJSON struct {
	Month    string `json:"month"`
	Currency string `json:"currency"`
	Sales    int    `json:"sales"`
	Refunds  int    `json:"refunds"`
	Gross    int64  `json:"gross"`
	Fee      int64  `json:"platform_fee"`
	Net      int64  `json:"net"`
}

// earningsQuery reads the publisher in the path and the months asked
// for. The routes that call it declare access.OnPublisher, which decided
// that the caller belongs to the publisher (or administers Berth).
func earningsQuery(c *fiber.Ctx) (string, time.Time, time.Time, error) {
	from, to, err := earningsRange(c)
	return c.Params("slug"), from, to, err
}

func (h *handlers) earningsAPI(c *fiber.Ctx) error {
	slug, from, to, err := earningsQuery(c)
	if err != nil {
		return err
	}
	months, err := h.Billing.Earnings(c.UserContext(), slug, from, to)
	if err != nil {
		return err
	}
	out := make([]monthJSON, 0, len(months))
	for _, m := range months {
		out = append(out, monthJSON(m))
	}
	return c.JSON(fiber.Map{"publisher": slug, "months": out})
}

func (h *handlers) earningsCSV(c *fiber.Ctx) error {
	slug, from, to, err := earningsQuery(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="berth-payout-`+slug+`-`+from.Format("2006-01")+`.csv"`)
	return h.Billing.WritePayoutCSV(c.UserContext(), c.Response().BodyWriter(), slug, from, to)
}

// earningsView is a publisher's earnings page.
type earningsView struct {
	Publisher string
	Months    []billing.MonthTotal
	FeeNote   string
}

func (h *handlers) earningsPage(c *fiber.Ctx) error {
	if _, ok, err := h.requirePageUser(c); !ok {
		return err
	}
	slug, from, to, err := earningsQuery(c)
	if err != nil {
		return err
	}
	months, err := h.Billing.Earnings(c.UserContext(), slug, from, to)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "earnings", "Earnings", earningsView{Publisher: slug, Months: months})
}
