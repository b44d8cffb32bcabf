package frontend

import (
	"github.com/berth/berth/access"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/plugin"
)

// exploreRoutes registers Explore and search, pages and API.
func (h *handlers) exploreRoutes(app, api routes) {
	api.Get("/search", access.Anyone, h.searchAPI)
	api.Get("/categories", access.Anyone, h.categoriesAPI)
	app.Get("/explore", access.Anyone, h.explorePage)
	app.Get("/search", access.Anyone, h.searchPage)
}

// explorePageSize is how many products an Explore page shows unless the
// URL's limit says otherwise.
const explorePageSize = 24

// exploreQuery reads Explore's filters from the query string; every filter
// state is its own URL.
func exploreQuery(c *fiber.Ctx) (catalog.ExploreQuery, error) {
	q := catalog.ExploreQuery{Tab: c.Query("tab"), Sort: c.Query("sort"), Category: c.Query("category"),
		Kind: catalog.Kind(c.Query("kind")), Publisher: c.Query("publisher"), Price: c.Query("price"),
		OS: c.Query("os"), Arch: c.Query("arch"), Interface: c.Query("interface"), Limit: explorePageSize}
	switch q.Tab {
	case "", "official", "certified", "plugins", communityTab:
	default:
		return q, badRequest("tab", "tab must be official, certified, plugins or community")
	}
	switch q.Sort {
	case "", catalog.SortPopular, catalog.SortNewest, catalog.SortUpdated, catalog.SortName:
	default:
		return q, badRequest("sort", "sort must be popular, newest, updated or name")
	}
	switch q.Kind {
	case "", catalog.KindImage, catalog.KindPlugin:
	default:
		return q, badRequest("kind", "kind must be image or plugin")
	}
	switch q.Price {
	case "", "free", "paid":
	default:
		return q, badRequest("price", "price must be free or paid")
	}
	if q.Interface != "" && !catalog.ValidCapability(q.Interface) {
		return q, badRequest("interface", "interface must be a plugin capability such as volumedriver, logdriver, networkdriver, ipamdriver or authz")
	}
	for name, dst := range map[string]*int{"limit": &q.Limit, "offset": &q.Offset} {
		if v := c.Query(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || (name == "limit" && (n == 0 || n > 100)) || (name == "offset" && n > 10000) {
				return q, badRequest(name, name+" must be a whole number (limit 1 to 100, offset at most 10000)")
			}
			*dst = n
		}
	}
	if v := c.Query("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 400 {
			return q, badRequest("page", "page must be a whole number from 1")
		}
		q.Offset = (n - 1) * q.Limit
	}
	return q, nil
}

// listProducts is GET /api/v1/products: Explore as JSON.
func (h *handlers) listProducts(c *fiber.Ctx) error {
	q, err := exploreQuery(c)
	if err != nil {
		return err
	}
	if c.Query("limit") == "" {
		q.Limit = 50
	}
	if q.Tab == communityTab {
		return h.communityAPI(c, q)
	}
	page, err := h.Products.Explore(c.UserContext(), q)
	if err != nil {
		return err
	}
	out := make([]productJSON, 0, len(page.Products))
	for _, p := range page.Products {
		out = append(out, productOf(p, false))
	}
	return c.JSON(fiber.Map{"products": out, "more": page.More})
}

// categoriesAPI is GET /api/v1/categories: each category's count of the
// products Explore's tab (query "tab") shows.
func (h *handlers) categoriesAPI(c *fiber.Ctx) error {
	tab := c.Query("tab")
	switch tab {
	case "", "official", "certified", "plugins":
	default:
		return badRequest("tab", "tab must be official, certified or plugins")
	}
	cats, err := h.Products.Categories(c.UserContext(), tab)
	if err != nil {
		return err
	}
	type categoryJSON struct {
		Name     string `json:"name"`
		Products int    `json:"products"`
	}
	out := make([]categoryJSON, 0, len(cats))
	for _, cat := range cats {
		out = append(out, categoryJSON(cat))
	}
	return c.JSON(fiber.Map{"categories": out})
}

// exploreView is the Explore page: the filters in force, the choices for
// each, and one page of products.
type exploreView struct {
	Query catalog.ExploreQuery
	Page  catalog.ExplorePage
	Marks []string // each product's mark (see storeMarks)
	// Community is the Community tab's page, when it is the tab.
	Community  catalog.CommunityPage
	PageNumber int
	Categories []catalog.CategoryCount
	Publishers []string
	// OSes and Archs are the operating systems and architectures of the
	// published products' platforms (and the one in force, if another):
	// the OS and architecture filters offer only what finds something.
	OSes, Archs []string
	// Interfaces are the plugin capabilities the interface filter offers.
	Interfaces []string
}

// PluginFilters says whether Explore shows its plugin interface filter:
// once the visitor looks at plugins.
func (v exploreView) PluginFilters() bool {
	return v.Query.Tab == "plugins" || v.Query.Kind == catalog.KindPlugin || v.Query.Interface != ""
}

// URL is the Explore URL of the current filters and page size with key
// set to value ("" removes it); changing a filter goes back to the first
// page.
func (v exploreView) URL(key, value string) string {
	q := url.Values{}
	set := func(k, val string) {
		if val != "" {
			q.Set(k, val)
		}
	}
	set("tab", v.Query.Tab)
	set("sort", v.Query.Sort)
	set("category", v.Query.Category)
	set("kind", string(v.Query.Kind))
	set("publisher", v.Query.Publisher)
	set("price", v.Query.Price)
	set("os", v.Query.OS)
	set("arch", v.Query.Arch)
	set("interface", v.Query.Interface)
	if v.Query.Limit != explorePageSize {
		set("limit", strconv.Itoa(v.Query.Limit))
	}
	q.Del(key)
	if key != "page" {
		q.Del("page")
	}
	if value != "" {
		q.Set(key, value)
	}
	if len(q) == 0 {
		return "/explore"
	}
	return "/explore?" + q.Encode()
}

// TabURL is the URL of Explore's tab: the Community tab keeps only the
// sort and page size, which are all it takes; another tab keeps the
// filters as URL("tab", tab) does.
func (v exploreView) TabURL(tab string) string {
	if tab != communityTab {
		return v.URL("tab", tab)
	}
	q := url.Values{"tab": {tab}}
	if v.Query.Sort != "" {
		q.Set("sort", v.Query.Sort)
	}
	if v.Query.Limit != explorePageSize {
		q.Set("limit", strconv.Itoa(v.Query.Limit))
	}
	return "/explore?" + q.Encode()
}

// PrevURL and NextURL page through the results.
func (v exploreView) PrevURL() string { return v.URL("page", strconv.Itoa(v.PageNumber-1)) }
func (v exploreView) NextURL() string { return v.URL("page", strconv.Itoa(v.PageNumber+1)) }

func (h *handlers) explorePage(c *fiber.Ctx) error {
	q, err := exploreQuery(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	v := exploreView{Query: q, PageNumber: q.Offset/q.Limit + 1}
	if q.Tab == communityTab {
		if v.Community, err = h.communityPage(c, true, q); err != nil {
			return err
		}
		return h.render(c, http.StatusOK, "explore", "Explore", v)
	}
	if v.Page, err = h.Products.Explore(ctx, q); err != nil {
		return err
	}
	v.Marks = h.storeMarks(ctx, v.Page.Products)
	if v.Categories, err = h.Products.Categories(ctx, q.Tab); err != nil {
		return err
	}
	if v.Publishers, err = h.Products.PublisherSlugs(ctx); err != nil {
		return err
	}
	platforms, err := h.Products.PlatformsInUse(ctx)
	if err != nil {
		return err
	}
	v.OSes, v.Archs = platformChoices(platforms, q.OS, q.Arch)
	v.Interfaces = plugin.Capabilities()
	return h.render(c, http.StatusOK, "explore", "Explore", v)
}

// platformChoices returns the operating systems and the architectures of
// platforms ("os/architecture[/variant]"), each once and sorted, with the
// chosen os and arch among them.
func platformChoices(platforms []string, os, arch string) (oses, archs []string) {
	for _, p := range platforms {
		system, rest, _ := strings.Cut(p, "/")
		a, _, _ := strings.Cut(rest, "/")
		oses, archs = append(oses, system), append(archs, a)
	}
	if os != "" {
		oses = append(oses, os)
	}
	if arch != "" {
		archs = append(archs, arch)
	}
	slices.Sort(oses)
	slices.Sort(archs)
	return slices.Compact(oses), slices.Compact(archs)
}

// osName names an operating system of Explore's filter as people write
// it: "windows" is Windows.
func osName(os string) string {
	switch os {
	case "linux":
		return "Linux"
	case "windows":
		return "Windows"
	case "freebsd":
		return "FreeBSD"
	}
	return os
}
