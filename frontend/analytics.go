package frontend

import (
	"encoding/csv"
	"fmt"
	"github.com/berth/berth/access"
	"html/template"
	"net/http"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/analytics"
	"github.com/berth/berth/catalog"
)

// analyticsRoutes registers a publisher's analytics: page, JSON and CSV.
func (h *handlers) analyticsRoutes(app, api routes) {
	api.Get("/publishers/:slug/analytics", access.OnPublisher(access.Read, "slug"), h.analyticsAPI)
	api.Get("/publishers/:slug/analytics.csv", access.OnPublisher(access.Read, "slug"), h.analyticsCSV)
	app.Get("/publishers/:slug/analytics", access.OnPublisher(access.Read, "slug"), h.analyticsPage)
}

type tierMonthJSON struct {
	Month    string `json:"month"`
	Product  string `json:"product"`
	Tier     string `json:"tier"`
	Currency string `json:"currency"`
	Sales    int    `json:"sales"`
	Gross    int64  `json:"gross"`
	Net      int64  `json:"net"`
}

type activeJSON struct {
	Product string `json:"product"`
	Tier    string `json:"tier"`
	Active  int    `json:"active"`
}

type countJSON struct {
	Name  string `json:"name"`
	Pulls int64  `json:"pulls"`
}

type dayJSON struct {
	Day   string `json:"day"`
	Pulls int64  `json:"pulls"`
}

// jsonList converts each element of a list to its JSON shape, never nil.
func jsonList[T, J any](in []T, conv func(T) J) []J {
	out := make([]J, 0, len(in))
	for _, v := range in {
		out = append(out, conv(v))
	}
	return out
}

// report reads the analytics of the publisher in the path for user u,
// who must have a role in it.
func (h *handlers) report(c *fiber.Ctx) (string, analytics.Report, error) {
	u, err := h.requireUser(c)
	if err != nil {
		return "", analytics.Report{}, err
	}
	slug := c.Params("slug")
	if _, _, err := h.publisherRole(c.UserContext(), u, slug); err != nil {
		return slug, analytics.Report{}, err
	}
	r, err := h.Publishers.Analytics.Of(c.UserContext(), slug)
	return slug, r, err
}

func (h *handlers) analyticsAPI(c *fiber.Ctx) error {
	slug, a, err := h.report(c)
	if err != nil {
		return err
	}
	counts := func(cs []analytics.Count) []countJSON {
		return jsonList(cs, func(c analytics.Count) countJSON { return countJSON(c) })
	}
	return c.JSON(fiber.Map{"publisher": slug,
		"sales":           jsonList(a.Sales, func(t analytics.TierMonth) tierMonthJSON { return tierMonthJSON(t) }),
		"active_licenses": jsonList(a.Active, func(l analytics.ActiveLicenses) activeJSON { return activeJSON(l) }),
		"pulls_per_day":   jsonList(a.Days, func(d catalog.DayCount) dayJSON { return dayJSON(d) }),
		"top_customers":   counts(a.Customers), "top_licenses": counts(a.Licenses), "top_tags": counts(a.Tags)})
}

// analyticsCSV exports sales per tier and month (?kind=sales, the
// default) or pulls per day (?kind=pulls).
func (h *handlers) analyticsCSV(c *fiber.Ctx) error {
	kind := c.Query("kind", "sales")
	if kind != "sales" && kind != "pulls" {
		return badRequest("kind", "kind: sales or pulls")
	}
	slug, a, err := h.report(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="berth-`+kind+`-`+slug+`.csv"`)
	w := csv.NewWriter(c.Response().BodyWriter())
	if kind == "pulls" {
		_ = w.Write([]string{"day", "pulls"})
		for _, d := range a.Days {
			_ = w.Write([]string{d.Day, strconv.FormatInt(d.Pulls, 10)})
		}
	} else {
		_ = w.Write([]string{"month", "product", "tier", "currency", "sales", "gross", "net"})
		for _, s := range a.Sales {
			_ = w.Write([]string{s.Month, s.Product, s.Tier, s.Currency, strconv.Itoa(s.Sales), strconv.FormatInt(s.Gross, 10), strconv.FormatInt(s.Net, 10)})
		}
	}
	w.Flush()
	return w.Error()
}

// analyticsView is the analytics page.
type analyticsView struct {
	Publisher string
	analytics.Report
	PullChart    template.HTML
	RevenueChart template.HTML
}

func (h *handlers) analyticsPage(c *fiber.Ctx) error {
	u, ok, err := h.requirePageUser(c)
	if !ok {
		return err
	}
	slug := c.Params("slug")
	if _, _, err := h.publisherRole(c.UserContext(), u, slug); err != nil {
		return err
	}
	a, err := h.Publishers.Analytics.Of(c.UserContext(), slug)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "analytics", "Analytics", analyticsView{Publisher: slug, Report: a,
		PullChart: pullChart(a.Days), RevenueChart: revenueChart(a.Sales)})
}

// revenueChart draws net revenue per month, oldest left, as SVG bars (the
// first currency only; mixed currencies are in the table).
func revenueChart(sales []analytics.TierMonth) template.HTML {
	byMonth := map[string]int64{}
	var months []string
	currency := ""
	for _, s := range sales {
		if currency == "" {
			currency = s.Currency
		}
		if s.Currency != currency {
			continue
		}
		if _, ok := byMonth[s.Month]; !ok {
			months = append(months, s.Month)
		}
		byMonth[s.Month] += s.Net
	}
	slices.Sort(months)
	days := make([]catalog.DayCount, 0, len(months))
	for _, m := range months {
		days = append(days, catalog.DayCount{Day: m, Pulls: max(byMonth[m], 0)})
	}
	if len(days) == 0 {
		return template.HTML(`<p class="empty">No sales yet.</p>`)
	}
	return template.HTML(fmt.Sprintf(`<p class="how">Net revenue per month (%s, smallest unit)</p>`, template.HTMLEscapeString(currency))) +
		barChart(days, currency)
}
