package frontend

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/access"
	"github.com/berth/berth/catalog"
)

// communityTab is Explore's tab of users' and organisations' repositories.
const communityTab = "community"

// communityViewer is the caller as catalog.Community needs them: the
// namespaces where private repositories they may see can live, and the
// access rules' answer for each such repository.
type communityViewer struct {
	h *handlers
	p access.Principal
}

// viewerFor resolves the caller of c for the Community section and tab.
func (h *handlers) viewerFor(c *fiber.Ctx, page bool) (communityViewer, error) {
	p, err := h.principal(c, page)
	return communityViewer{h: h, p: p}, err
}

// Namespaces are the caller's own and their organisations'; none for a
// caller without an account.
func (v communityViewer) Namespaces(ctx context.Context) ([]string, error) {
	if !v.p.Account() {
		return nil, nil
	}
	orgs, err := v.h.Accounts.OrgsOf(ctx, v.p.UserID)
	if err != nil {
		return nil, err
	}
	out := []string{v.p.Name}
	for _, o := range orgs {
		out = append(out, o.Name)
	}
	return out, nil
}

// MaySee asks the access rules whether the caller may read repo, as the
// repository's own page would.
func (v communityViewer) MaySee(ctx context.Context, repo string) (bool, error) {
	dec, err := v.h.Access.Decide(ctx, v.p, access.OnRepository(access.Read), repo)
	return dec.Allowed(), err
}

// Store marks: what kind of store result a product is, so that it is
// never taken for a community repository, and the other way round.
const (
	markOfficial  = "official"
	markCertified = "certified"
	markVerified  = "verified_publisher"
	markStore     = "store"
	markCommunity = "community"
)

// markLabel is how pages write a mark.
func markLabel(mark string) string {
	return map[string]string{markOfficial: "Official", markCertified: "Certified", markVerified: "Verified publisher",
		markStore: "Store", markCommunity: "Community"}[mark]
}

// storeMarks returns the mark of each product: its badge, else
// "verified_publisher" when its publisher is verified, else "store".
func (h *handlers) storeMarks(ctx context.Context, ps []catalog.Product) []string {
	verified := map[string]bool{}
	out := make([]string, len(ps))
	for i, p := range ps {
		switch p.Badge {
		case catalog.BadgeOfficial:
			out[i] = markOfficial
			continue
		case catalog.BadgeCertified:
			out[i] = markCertified
			continue
		}
		v, known := verified[p.Publisher]
		if !known && h.Publishers != nil {
			pub, err := h.Publishers.PublisherBySlug(ctx, p.Publisher)
			v = err == nil && pub.Verified
			verified[p.Publisher] = v
		}
		out[i] = markStore
		if v {
			out[i] = markVerified
		}
	}
	return out
}

// communityJSON is a community repository in search results and the
// Community tab.
type communityJSON struct {
	Mark      string     `json:"mark"`
	Namespace string     `json:"namespace"`
	Name      string     `json:"name"`
	FullName  string     `json:"full_name"`
	Summary   string     `json:"summary"`
	Private   bool       `json:"private"`
	Pulls     int64      `json:"pulls"`
	Stars     int64      `json:"stars"`
	PushedAt  *time.Time `json:"last_pushed,omitempty"`
	URL       string     `json:"url"`
	Score     float64    `json:"score,omitempty"`
}

func communityOf(r catalog.Repository, score float64) communityJSON {
	out := communityJSON{Mark: markCommunity, Namespace: r.Namespace, Name: r.ShortName(), FullName: r.Name,
		Summary: r.Summary, Private: r.Private, Pulls: r.Pulls, Stars: r.Stars, URL: "/r/" + r.Name, Score: score}
	if !r.PushedAt.IsZero() {
		at := r.PushedAt
		out.PushedAt = &at
	}
	return out
}

// communitySearch returns up to limit community repositories matching
// text that the caller of c may see.
func (h *handlers) communitySearch(c *fiber.Ctx, page bool, text string, limit int) ([]catalog.RepositoryHit, error) {
	if h.Community == nil || text == "" {
		return nil, nil
	}
	v, err := h.viewerFor(c, page)
	if err != nil {
		return nil, err
	}
	return h.Community.Search(c.UserContext(), v, text, limit)
}

// communityQuery reads the Community tab's query from Explore's: the
// product filters do not apply to repositories, so they are refused.
func communityQuery(c *fiber.Ctx, q catalog.ExploreQuery) (catalog.CommunityQuery, error) {
	for _, f := range []string{"category", "kind", "publisher", "price", "os", "arch", "interface"} {
		if c.Query(f) != "" {
			return catalog.CommunityQuery{}, badRequest(f, "the Community tab takes no "+f+" filter: only sort, page, limit and offset")
		}
	}
	return catalog.CommunityQuery{Sort: q.Sort, Limit: q.Limit, Offset: q.Offset}, nil
}

// communityPage returns the Community tab's page q selects for the caller
// of c.
func (h *handlers) communityPage(c *fiber.Ctx, page bool, q catalog.ExploreQuery) (catalog.CommunityPage, error) {
	cq, err := communityQuery(c, q)
	if err != nil || h.Community == nil {
		return catalog.CommunityPage{}, err
	}
	v, err := h.viewerFor(c, page)
	if err != nil {
		return catalog.CommunityPage{}, err
	}
	return h.Community.Explore(c.UserContext(), v, cq)
}

// communityAPI is GET /api/v1/products?tab=community: the Community tab as
// JSON, with an empty product list beside it.
func (h *handlers) communityAPI(c *fiber.Ctx, q catalog.ExploreQuery) error {
	page, err := h.communityPage(c, false, q)
	if err != nil {
		return err
	}
	out := make([]communityJSON, 0, len(page.Repositories))
	for _, r := range page.Repositories {
		out = append(out, communityOf(r, 0))
	}
	return c.JSON(fiber.Map{"products": []productJSON{}, "community": out, "more": page.More})
}
