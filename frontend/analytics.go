package frontend

import (
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"github.com/berth/berth/access"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
)

// analyticsRoutes registers a publisher's analytics: page, JSON and CSV.
func (h *handlers) analyticsRoutes(app, api routes) {
	api.Get("/publishers/:slug/analytics", access.OnPublisher(access.Read, "slug"), h.analyticsAPI)
	api.Get("/publishers/:slug/analytics.csv", access.OnPublisher(access.Read, "slug"), h.analyticsCSV)
	app.Get("/publishers/:slug/analytics", access.OnPublisher(access.Read, "slug"), h.analyticsPage)
}

// Bounds on what one analytics view reads.
const (
	analyticsProducts = 100  // products of a publisher
	analyticsLicenses = 5000 // licenses of a product
	analyticsPulls    = 5000 // most recent pulls, all licenses
)

// analytics is a publisher's figures: sales per tier and month (the last
// twelve), active licenses per product and tier, pulls per day over 30
// days, and the customers, licenses and tags that pull most.
type analytics struct {
	Sales     []tierMonth      `json:"sales"`
	Active    []activeLicenses `json:"active_licenses"`
	Days      []catalog.DayCount
	Customers []pullCount `json:"top_customers"`
	Licenses  []pullCount `json:"top_licenses"`
	Tags      []pullCount `json:"top_tags"`
}

type tierMonth struct {
	Month    string `json:"month"`
	Product  string `json:"product"`
	Tier     string `json:"tier"`
	Currency string `json:"currency"`
	Sales    int    `json:"sales"`
	Gross    int64  `json:"gross"`
	Net      int64  `json:"net"`
}

type activeLicenses struct {
	Product string `json:"product"`
	Tier    string `json:"tier"`
	Active  int    `json:"active"`
}

type pullCount struct {
	Name  string `json:"name"`
	Pulls int64  `json:"pulls"`
}

// analyticsOf gathers a publisher's figures.
func (h *handlers) analyticsOf(ctx context.Context, slug string) (analytics, error) {
	var a analytics
	now := time.Now().UTC()
	to := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	sales, err := h.Billing.SalesOf(ctx, slug, to.AddDate(-1, 0, 0), to)
	if err != nil {
		return a, err
	}
	byKey := map[[4]string]*tierMonth{}
	for _, s := range sales {
		k := [4]string{s.At.Format("2006-01"), s.Product, s.Tier, s.Currency}
		t, ok := byKey[k]
		if !ok {
			t = &tierMonth{Month: k[0], Product: k[1], Tier: k[2], Currency: k[3]}
			byKey[k] = t
		}
		if s.Gross > 0 {
			t.Sales++
		}
		t.Gross += s.Gross
		t.Net += s.Net
	}
	for _, t := range byKey {
		a.Sales = append(a.Sales, *t)
	}
	slices.SortFunc(a.Sales, func(x, y tierMonth) int {
		return cmp.Or(cmp.Compare(y.Month, x.Month), cmp.Compare(x.Product, y.Product), cmp.Compare(x.Tier, y.Tier))
	})

	page, err := h.Products.Explore(ctx, catalog.ExploreQuery{Publisher: slug, Sort: catalog.SortName, Limit: analyticsProducts})
	if err != nil {
		return a, err
	}
	licenseProduct := map[string]licensing.License{}
	days := map[string]int64{}
	tags := map[string]int64{}
	from := now.Truncate(24*time.Hour).AddDate(0, 0, -pullWindow+1)
	for _, p := range page.Products {
		ls, err := h.Licenses.LicensesOfProduct(ctx, p.Slug, analyticsLicenses)
		if err != nil {
			return a, err
		}
		active := map[string]int{}
		for _, l := range ls {
			licenseProduct[l.ID] = l
			if l.Entitles(now) {
				active[l.Tier]++
			}
		}
		for tier, n := range active {
			a.Active = append(a.Active, activeLicenses{Product: p.Slug, Tier: tier, Active: n})
		}
		for _, repo := range p.Repositories {
			totals, err := h.Tags.TagPullTotals(ctx, repo)
			if err != nil {
				return a, err
			}
			for tag, n := range totals {
				tags[repo+":"+tag] += n
				counts, err := h.Tags.TagPulls(ctx, repo, tag, from, now.Add(24*time.Hour))
				if err != nil {
					return a, err
				}
				for _, d := range counts {
					days[d.Day] += d.Pulls
				}
			}
		}
	}
	slices.SortFunc(a.Active, func(x, y activeLicenses) int {
		return cmp.Or(cmp.Compare(x.Product, y.Product), cmp.Compare(x.Tier, y.Tier))
	})
	for d := from; !d.After(now); d = d.AddDate(0, 0, 1) {
		day := d.Format("2006-01-02")
		a.Days = append(a.Days, catalog.DayCount{Day: day, Pulls: days[day]})
	}

	// Customers and licenses, from the most recent pulls.
	pulls, err := h.Licenses.Pulls(ctx, licensing.UsageQuery{Limit: analyticsPulls})
	if err != nil {
		return a, err
	}
	byLicense, byOwner := map[string]int64{}, map[string]int64{}
	for _, p := range pulls {
		l, ok := licenseProduct[p.LicenseID]
		if !ok {
			continue
		}
		byLicense[l.ID+" ("+l.Product+" "+l.Tier+", key …"+l.KeyHint+")"]++
		byOwner[h.ownerName(ctx, l.Owner)]++
	}
	a.Customers, a.Licenses, a.Tags = top(byOwner, 10), top(byLicense, 10), top(tags, 10)
	return a, nil
}

// ownerName names a license holder: a user's name, else the ID (an
// organisation's).
func (h *handlers) ownerName(ctx context.Context, id string) string {
	if u, err := h.Accounts.User(ctx, id); err == nil {
		return u.Username
	}
	return id
}

// top returns the n largest counts, largest first.
func top(counts map[string]int64, n int) []pullCount {
	out := make([]pullCount, 0, len(counts))
	for name, c := range counts {
		out = append(out, pullCount{Name: name, Pulls: c})
	}
	slices.SortFunc(out, func(x, y pullCount) int { return cmp.Or(cmp.Compare(y.Pulls, x.Pulls), cmp.Compare(x.Name, y.Name)) })
	return out[:min(len(out), n)]
}

func (h *handlers) analyticsAPI(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	slug := c.Params("slug")
	if _, _, err := h.publisherRole(c.UserContext(), u, slug); err != nil {
		return err
	}
	a, err := h.analyticsOf(c.UserContext(), slug)
	if err != nil {
		return err
	}
	type day struct {
		Day   string `json:"day"`
		Pulls int64  `json:"pulls"`
	}
	days := make([]day, 0, len(a.Days))
	for _, d := range a.Days {
		days = append(days, day(d))
	}
	return c.JSON(fiber.Map{"publisher": slug, "sales": nonNilSlice(a.Sales), "active_licenses": nonNilSlice(a.Active),
		"pulls_per_day": days, "top_customers": a.Customers, "top_licenses": a.Licenses, "top_tags": a.Tags})
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// analyticsCSV exports sales per tier and month (?kind=sales, the
// default) or pulls per day (?kind=pulls).
func (h *handlers) analyticsCSV(c *fiber.Ctx) error {
	u, err := h.requireUser(c)
	if err != nil {
		return err
	}
	slug := c.Params("slug")
	if _, _, err := h.publisherRole(c.UserContext(), u, slug); err != nil {
		return err
	}
	kind := c.Query("kind", "sales")
	if kind != "sales" && kind != "pulls" {
		return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Field: "kind", Message: "kind must be sales or pulls"}
	}
	a, err := h.analyticsOf(c.UserContext(), slug)
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
	analytics
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
	a, err := h.analyticsOf(c.UserContext(), slug)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, "analytics", "Analytics", analyticsView{Publisher: slug, analytics: a,
		PullChart: pullChart(a.Days), RevenueChart: revenueChart(a.Sales)})
}

// revenueChart draws net revenue per month, oldest left, as SVG bars (the
// first currency only; mixed currencies are in the table).
func revenueChart(sales []tierMonth) template.HTML {
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
