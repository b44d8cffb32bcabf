package frontend

import (
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/publisher"
)

func (h *handlers) productPage(c *fiber.Ctx) error {
	p, err := h.visibleProduct(c, c.Params("slug"))
	if err != nil {
		return err
	}
	v, err := h.fullProductView(c, p, "")
	if err != nil {
		return err
	}
	switch tab := c.Query("tab"); tab {
	case "tags", "resources":
		v.Tab = tab
	}
	if c.Query("checkout") == "canceled" {
		v.Notice = "Checkout canceled: nothing was charged."
	}
	return h.render(c, http.StatusOK, "product", p.Name, v)
}

// fullProductView is everything the product page shows: the product, its
// publisher, tags, the viewer's star and licenses, and the pull command.
func (h *handlers) fullProductView(c *fiber.Ctx, p catalog.Product, errMsg string) (productView, error) {
	v := h.productView(p, errMsg)
	if err := h.addProductDetails(c, &v); err != nil {
		return v, err
	}
	if viewer := viewerOf(c); viewer.SignedIn() && h.Stars != nil {
		var err error
		if v.Starred, err = h.Stars.HasStarred(c.UserContext(), viewer.User.ID, p.Slug); err != nil {
			return v, err
		}
	}
	v.Pull = v.pullBox(h.RegistryHost)
	return v, nil
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
	// HeldTiers maps a tier's ID to the viewer's usable license of it:
	// such a tier says "You hold this" instead of offering itself again.
	HeldTiers map[string]heldLicense
	// PullTag is the tag the install commands of a plugin name.
	PullTag string
	// Pull is the command at the top of the page.
	Pull pullBox
	// Payments says whether paid tiers can be bought here (Stripe keys set).
	Payments bool
	// Tab is the section the tabs mark current: overview, tags or
	// resources (every section is on the page; a tab links to its own).
	Tab string
}

// Draft reports whether the page shows a listing not yet for sale.
func (v productView) Draft() bool { return !v.Product.Published() }

// LastUpdated is when the listing or its newest tag last changed.
func (v productView) LastUpdated() time.Time {
	last := v.Product.UpdatedAt
	for _, r := range v.Repos {
		if len(r.Tags) > 0 && r.Tags[0].PushedAt.After(last) {
			last = r.Tags[0].PushedAt
		}
	}
	return last
}

func (h *handlers) productView(p catalog.Product, errMsg string) productView {
	return productView{Product: p, Error: errMsg, Payments: h.Billing != nil && h.Billing.Enabled(), Tab: "overview"}
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
	v.HeldTiers = map[string]heldLicense{}
	now := time.Now()
	for i := range held {
		if held[i].Product != v.Product.Slug || !held[i].Usable(now) {
			continue
		}
		if v.Held == nil {
			v.Held = &held[i]
		}
		if _, ok := v.HeldTiers[held[i].Tier]; !ok {
			v.HeldTiers[held[i].Tier] = held[i]
		}
	}
	if v.Held != nil && len(v.Repos) > 0 {
		if t, ok := coveredTag(*v.Held, v.Repos[0].Tags); ok {
			v.PullTag = t
		}
	}
	return nil
}

// coveredTag returns the newest of tags (newest first) that license l
// entitles.
func coveredTag(l heldLicense, tags []catalog.Tag) (string, bool) {
	ent := licensing.Entitled{Versions: l.Entitlement.Versions, TagPattern: l.Entitlement.TagPattern}
	for _, t := range tags {
		if ent.AllowsTag(t.Name, t.PushedAt).Allowed {
			return t.Name, true
		}
	}
	return "", false
}

// HeldTier returns the viewer's usable license of tier id, nil if none.
func (v productView) HeldTier(id string) *heldLicense {
	if l, ok := v.HeldTiers[id]; ok {
		return &l
	}
	return nil
}

// TierName names tier id of the product ("Express"), or the ID itself.
func (v productView) TierName(id string) string {
	if t, ok := v.Product.Tier(id); ok {
		return t.Name
	}
	return id
}

// badgeName is how a product badge reads on its chip.
func badgeName(b catalog.Badge) string {
	switch b {
	case catalog.BadgeOfficial:
		return "Official"
	case catalog.BadgeCertified:
		return "Certified"
	}
	return string(b)
}
