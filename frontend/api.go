package frontend

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
)

type userJSON struct {
	ID        string    `json:"id"`
	Username  string    `json:"username"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
}

func userOf(u account.User) userJSON {
	return userJSON{ID: u.ID, Username: u.Username, Email: u.Email, CreatedAt: u.CreatedAt}
}

// decode parses a JSON body into v with a clear error. Only JSON is taken:
// a browser can send a form cross-site without asking, never JSON.
func decode(c *fiber.Ctx, v any) error {
	if !strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEApplicationJSON) {
		return unsupportedMedia()
	}
	if err := json.Unmarshal(c.Body(), v); err != nil {
		return badRequest("", "send a JSON object body with Content-Type: application/json")
	}
	return nil
}

// signUp creates an account: the API twin of the sign-up page.
func (h *handlers) signUp(c *fiber.Ctx) error {
	var in struct {
		Username string `json:"username"`
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decode(c, &in); err != nil {
		return err
	}
	u, err := h.Accounts.Register(c.UserContext(), account.SignUp{Username: in.Username, Email: in.Email, Password: in.Password})
	if err != nil {
		return err
	}
	c.Location("/api/v1/users/" + u.Username)
	return c.Status(http.StatusCreated).JSON(userOf(u))
}

type tierJSON struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Description  string   `json:"description,omitempty"`
	Price        int64    `json:"price"`
	Currency     string   `json:"currency"`
	Free         bool     `json:"free"`
	Repositories []string `json:"repositories"`
	Seats        int      `json:"seats"`
	Versions     string   `json:"versions,omitempty"`
	TagPattern   string   `json:"tag_pattern,omitempty"`
	Perpetual    bool     `json:"perpetual_fallback"`
	PullQuota    int      `json:"pull_quota"`
	QuotaPeriod  string   `json:"quota_period,omitempty"`
	Interval     string   `json:"interval,omitempty"`
	TrialDays    int      `json:"trial_days"`
	Terms        string   `json:"terms,omitempty"`
	TermsVersion int      `json:"terms_version"`
	// DisplayPrice is the price as every page shows it
	// (catalog.Tier.PriceLabel); HeldLicense (one product only, signed in)
	// the caller's license of this tier, which the page shows instead of
	// offering the tier again.
	DisplayPrice string `json:"display_price"`
	HeldLicense  string `json:"held_license,omitempty"`
}

// priceJSON is a product's cheapest paid tier, as cards show it.
type priceJSON struct {
	Tier     string `json:"tier"`
	Price    int64  `json:"price"`
	Currency string `json:"currency"`
	Interval string `json:"interval,omitempty"`
	Seats    int    `json:"seats"`
	Display  string `json:"display"`
}

type productJSON struct {
	Slug         string     `json:"slug"`
	Name         string     `json:"name"`
	Publisher    string     `json:"publisher"`
	Kind         string     `json:"kind"`
	Badge        string     `json:"badge,omitempty"`
	Summary      string     `json:"summary"`
	Description  string     `json:"description,omitempty"`
	Categories   []string   `json:"categories"`
	Repositories []string   `json:"repositories"`
	Tiers        []tierJSON `json:"tiers"`
	Stars        int64      `json:"stars"`
	Pulls        int64      `json:"pulls"`
	Logo         string     `json:"logo,omitempty"`
	Platforms    []string   `json:"platforms"`
	// PluginInterfaces are a plugin's capabilities, Installs (one
	// product only) how to install each of its repositories.
	PluginInterfaces []interfaceJSON `json:"plugin_interfaces"`
	Installs         []installJSON   `json:"installs,omitempty"`
	Free             bool            `json:"has_free_tier"`
	// LowestPrice is the cheapest paid tier; absent when all are free.
	LowestPrice *priceJSON `json:"lowest_price,omitempty"`
	// OnSale says paid tiers can be bought here (Berth takes payments);
	// PullCommand (one product only) is the command the page shows on
	// top, naming a tag the caller's license covers.
	OnSale      bool      `json:"paid_tiers_on_sale"`
	PullCommand string    `json:"pull_command,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func productOf(p catalog.Product, full bool) productJSON {
	out := productJSON{
		Slug: p.Slug, Name: p.Name, Publisher: p.Publisher, Kind: string(p.Kind), Badge: string(p.Badge),
		Summary: p.Summary, Categories: nonNil(p.Categories), Repositories: nonNil(p.Repositories),
		Tiers: []tierJSON{}, Stars: p.Stars, Pulls: p.Pulls, UpdatedAt: p.UpdatedAt, CreatedAt: p.CreatedAt,
		Logo: logoURL(p), Platforms: nonNil(p.Platforms), Free: p.HasFree(),
		PluginInterfaces: capabilitiesOf(p.PluginInterfaces),
	}
	if full {
		out.Description = p.Description
	}
	for _, t := range p.Tiers {
		out.Tiers = append(out.Tiers, tierJSON{ID: t.ID, Name: t.Name, Description: t.Description, Price: t.Price,
			Currency: t.Currency, Free: t.Free(), Repositories: nonNil(t.Repositories), Seats: t.Seats, Versions: t.Versions,
			TagPattern: t.TagPattern, Perpetual: t.Perpetual, PullQuota: t.PullQuota, QuotaPeriod: t.QuotaPeriod,
			Interval: t.Interval, TrialDays: t.TrialDays, Terms: t.Terms, TermsVersion: t.TermsVersion, DisplayPrice: t.PriceLabel()})
	}
	if t, ok := p.LowestPaid(); ok {
		out.LowestPrice = &priceJSON{Tier: t.ID, Price: t.Price, Currency: t.Currency, Interval: t.Interval, Seats: t.Seats, Display: t.PriceLabel()}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (h *handlers) getProduct(c *fiber.Ctx) error {
	p, err := h.visibleProduct(c, c.Params("slug"))
	if err != nil {
		return err
	}
	out := productOf(p, true)
	// The pull and install commands name the tag the product page names.
	v, err := h.fullProductView(c, p, "")
	if err != nil {
		return err
	}
	if p.Kind == catalog.KindPlugin {
		out.Installs = installsOf(v.Installs(), h.RegistryHost)
	}
	out.OnSale, out.PullCommand = v.Payments, v.Pull.Command
	for i := range out.Tiers {
		if l := v.HeldTier(out.Tiers[i].ID); l != nil {
			out.Tiers[i].HeldLicense = l.ID
		}
	}
	return c.JSON(out)
}

type licenseJSON struct {
	ID           string          `json:"id"`
	Key          string          `json:"key,omitempty"`
	KeyHint      string          `json:"key_hint"`
	Owner        string          `json:"owner"`
	Product      string          `json:"product"`
	Tier         string          `json:"tier"`
	Repositories []string        `json:"repositories"`
	Status       string          `json:"status"`
	Trial        bool            `json:"trial"`
	Seats        int             `json:"seats"`
	Entitlement  entitlementJSON `json:"entitlement"`
	Quota        *quotaJSON      `json:"quota,omitempty"`
	TermsVersion int             `json:"terms_version"`
	Order        string          `json:"order,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
	ExpiresAt    *string         `json:"expires_at"`
	// RevocationLagSeconds is how long a registry token issued before a
	// revocation keeps working: the token lifetime.
	RevocationLagSeconds int `json:"revocation_lag_seconds"`
	// Notices are what the publisher told the license's holders (tags
	// withdrawn, and why); set when one license is read.
	Notices []noticeJSON `json:"notices,omitempty"`
}

type entitlementJSON struct {
	Versions   string `json:"versions,omitempty"`
	TagPattern string `json:"tag_pattern,omitempty"`
	Perpetual  bool   `json:"perpetual_fallback"`
	Summary    string `json:"summary"`
}

type quotaJSON struct {
	Pulls     int        `json:"pulls"`
	Period    string     `json:"period"`
	Remaining *int       `json:"remaining,omitempty"`
	ResetsAt  *time.Time `json:"resets_at,omitempty"`
}

func (h *handlers) licenseOf(l heldLicense, key string) licenseJSON {
	out := licenseJSON{ID: l.ID, Key: key, KeyHint: l.KeyHint, Owner: l.OwnerName, Product: l.Product, Tier: l.Tier,
		Repositories: nonNil(l.Repositories), Status: string(l.Status), Trial: l.Trial, Seats: l.Seats, CreatedAt: l.CreatedAt,
		TermsVersion: l.TermsVersion, Order: l.OrderID,
		Entitlement: entitlementJSON{Versions: l.Entitlement.Versions, TagPattern: l.Entitlement.TagPattern,
			Perpetual: l.Entitlement.Perpetual, Summary: l.Entitlement.Describe()}}
	if h.Tokens != nil {
		out.RevocationLagSeconds = int(h.Tokens.TTL() / time.Second)
	}
	if l.Quota.Pulls > 0 {
		out.Quota = &quotaJSON{Pulls: l.Quota.Pulls, Period: string(l.Quota.Period)}
	}
	if !l.ExpiresAt.IsZero() {
		s := l.ExpiresAt.UTC().Format(time.RFC3339)
		out.ExpiresAt = &s
	}
	return out
}

// checkout takes a tier. Free tiers issue a license at once; the key is in
// this response and nowhere else, ever.
func (h *handlers) checkout(c *fiber.Ctx) error {
	var in struct {
		Tier         string `json:"tier"`
		Organization string `json:"organization"`
		Quantity     int    `json:"quantity"`
		AcceptTerms  bool   `json:"accept_terms"`
	}
	u, err := h.userInput(c, &in)
	if err != nil {
		return err
	}
	if in.Tier == "" {
		return badInput("tier", "tier: name the tier id to buy")
	}
	p, err := h.Products.ProductBySlug(c.UserContext(), c.Params("slug"))
	if err != nil {
		return err
	}
	if !p.Published() {
		return catalog.ErrNotFound // drafts are not for sale
	}
	tier, ok := p.Tier(in.Tier)
	if !ok {
		return describe(licensing.ErrTierNotFound, "", "no tier "+in.Tier+" of "+p.Slug)
	}
	if err := licensing.RequireAccepted(tier.TermsVersion, in.AcceptTerms); err != nil {
		return err
	}
	owner, err := h.licenseOwner(c.UserContext(), u, in.Organization)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if !tier.Free() {
		co, err := h.paidCheckout(c.UserContext(), u, p, tier, owner, in.Quantity)
		if err != nil {
			return err
		}
		c.Location("/api/v1/orders/" + co.Order.ID)
		return c.Status(http.StatusCreated).JSON(fiber.Map{"checkout_url": co.URL, "session_id": co.Order.SessionID,
			"order": orderOf(co.Order, false)})
	}
	issued, err := h.Licenses.CheckoutFree(c.UserContext(), owner.ID, p.Slug, tier.ID)
	if err != nil {
		return err
	}
	c.Location("/api/v1/licenses/" + issued.License.ID)
	return c.Status(http.StatusCreated).JSON(fiber.Map{"license": h.licenseOf(heldLicense{License: issued.License, OwnerName: owner.Name, Manage: true}, issued.Key)})
}

// licenseBuyer is who a license is bought for.
type licenseBuyer struct{ ID, Name string }

// licenseOwner resolves who a checkout buys for: the user, or the
// organisation named (the route's access.BuyFor permission decided that
// the user owns or administers it).
func (h *handlers) licenseOwner(ctx context.Context, u account.User, org string) (licenseBuyer, error) {
	if org == "" || org == u.Username {
		return licenseBuyer{ID: u.ID, Name: u.Username}, nil
	}
	o, err := h.Accounts.Org(ctx, org)
	if err != nil {
		return licenseBuyer{}, err
	}
	return licenseBuyer{ID: o.ID, Name: o.Name}, nil
}

func (h *handlers) listLicenses(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	ls, err := h.heldLicenses(c.UserContext(), u)
	if err != nil {
		return err
	}
	out := make([]licenseJSON, 0, len(ls))
	for _, l := range ls {
		out = append(out, h.licenseOf(l, ""))
	}
	return c.JSON(fiber.Map{"licenses": out})
}

func (h *handlers) getLicense(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	l, err := h.licenseAccess(c.UserContext(), u, c.Params("id"))
	if err != nil {
		return err
	}
	out := h.licenseOf(l, "")
	if err := h.addQuotaUsage(c.UserContext(), &out, l.License); err != nil {
		return err
	}
	if out.Notices, err = h.licenseNotices(c.UserContext(), l.Repositories); err != nil {
		return err
	}
	return c.JSON(out)
}

// addQuotaUsage fills in what is left of the license's quota.
func (h *handlers) addQuotaUsage(ctx context.Context, out *licenseJSON, l licensing.License) error {
	q, err := h.Licenses.QuotaUsage(ctx, l)
	if err != nil || q == nil {
		return err
	}
	out.Quota.Remaining, out.Quota.ResetsAt = &q.Remaining, &q.Reset
	return nil
}

// licenseFile returns one of the caller's licenses as a signed document
// that can be checked offline (see /.well-known/berth-license-keys.json).
func (h *handlers) licenseFile(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	l, err := h.licenseAccess(c.UserContext(), u, c.Params("id"))
	if err != nil {
		return err
	}
	doc, err := h.Licenses.LicenseFile(c.UserContext(), h.Keys, h.TokenIssuer, l.Owner, l.OwnerName, l.ID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/jwt")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="berth-license-`+c.Params("id")+`.jwt"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.SendString(doc)
}

// licenseKeys publishes the key license files are signed with.
func (h *handlers) licenseKeys(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.JSON(h.Keys.LicenseJWKS())
}
