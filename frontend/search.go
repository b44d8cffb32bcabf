package frontend

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/catalog"
)

// searchHitJSON is a store product in search results.
type searchHitJSON struct {
	productJSON
	Score float64 `json:"score"`
	// Mark is what kind of store result this is (see storeMarks).
	Mark string `json:"mark"`
}

// searchAPI is GET /api/v1/search: the store's products matching q as
// "results", each with its mark, and the community repositories the
// caller may see as "community".
func (h *handlers) searchAPI(c *fiber.Ctx) error {
	text := strings.TrimSpace(c.Query("q"))
	if len(text) > 200 {
		return badRequest("q", "q must be at most 200 characters")
	}
	limit := 10
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 50 {
			return badRequest("limit", "limit must be from 1 to 50")
		}
		limit = n
	}
	hits, err := h.Products.Search(c.UserContext(), text, limit)
	if err != nil {
		return err
	}
	marks := h.storeMarks(c.UserContext(), hitProducts(hits))
	out := make([]searchHitJSON, 0, len(hits))
	for i, hit := range hits {
		out = append(out, searchHitJSON{productJSON: productOf(hit.Product, false), Score: hit.Score, Mark: marks[i]})
	}
	repos, err := h.communitySearch(c, false, text, limit)
	if err != nil {
		return err
	}
	community := make([]communityJSON, 0, len(repos))
	for _, r := range repos {
		community = append(community, communityOf(r.Repository, r.Score))
	}
	return c.JSON(fiber.Map{"query": text, "results": out, "community": community})
}

// searchView is the search page; berth.js refreshes its results as the
// visitor types, from the same API. Marks are the hits' marks (see
// storeMarks); Community the community repositories the visitor may see.
type searchView struct {
	Query     string
	Hits      []catalog.SearchHit
	Marks     []string
	Community []catalog.RepositoryHit
}

// hitProducts returns the products of hits, in order.
func hitProducts(hits []catalog.SearchHit) []catalog.Product {
	out := make([]catalog.Product, len(hits))
	for i, h := range hits {
		out[i] = h.Product
	}
	return out
}

func (h *handlers) searchPage(c *fiber.Ctx) error {
	text := strings.TrimSpace(c.Query("q"))
	if len(text) > 200 {
		text = text[:200]
	}
	v := searchView{Query: text}
	if text != "" {
		var err error
		if v.Hits, err = h.Products.Search(c.UserContext(), text, 20); err != nil {
			return err
		}
		v.Marks = h.storeMarks(c.UserContext(), hitProducts(v.Hits))
		if v.Community, err = h.communitySearch(c, true, text, 20); err != nil {
			return err
		}
	}
	return h.render(c, http.StatusOK, "search", "Search", v)
}
