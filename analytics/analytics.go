// Package analytics gathers a publisher's figures: sales per tier and month,
// active licenses, pulls per day, and the customers, licenses and tags that
// pull most. It is a read model joining billing (sales), licensing
// (licenses and attributed pulls) and the catalog (products and tag pulls),
// with no store and no rules of its own: each of those domains owns one
// kind of record, and the figures need all three, so they live beside them
// rather than inside one.
package analytics

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/berth/berth/account"
	"github.com/berth/berth/billing"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
)

// Bounds on what one report reads.
const (
	maxProducts = 100  // products of a publisher
	maxLicenses = 5000 // licenses of a product
	maxPulls    = 5000 // most recent pulls, all licenses
	// PullDays is how many days of pulls a report counts, today included.
	PullDays = 30
	// topN is how many customers, licenses and tags a report ranks.
	topN = 10
)

// Sales are a publisher's sales, from billing.
type Sales interface {
	SalesOf(ctx context.Context, publisher string, from, to time.Time) ([]billing.Sale, error)
}

// Products finds a publisher's products in the catalog.
type Products interface {
	Explore(ctx context.Context, q catalog.ExploreQuery) (catalog.ExplorePage, error)
}

// Licenses are the licenses of a product and the pulls they made.
type Licenses interface {
	LicensesOfProduct(ctx context.Context, product string, limit int) ([]licensing.License, error)
	Pulls(ctx context.Context, q licensing.UsageQuery) ([]licensing.Pull, error)
}

// TagPulls counts the pulls of a repository's tags.
type TagPulls interface {
	TagPulls(ctx context.Context, repository, tag string, from, to time.Time) ([]catalog.DayCount, error)
	TagPullTotals(ctx context.Context, repository string) (map[string]int64, error)
}

// Users names the license holders that are users.
type Users interface {
	User(ctx context.Context, id string) (account.User, error)
}

// Service makes publishers' reports.
type Service struct {
	sales    Sales
	products Products
	licenses Licenses
	tags     TagPulls
	users    Users
	now      func() time.Time
}

// New returns a Service reading from its sources.
func New(sales Sales, products Products, licenses Licenses, tags TagPulls, users Users) *Service {
	return &Service{sales: sales, products: products, licenses: licenses, tags: tags, users: users, now: time.Now}
}

// Report is a publisher's figures.
type Report struct {
	// Sales per tier and month over the last twelve months, newest month
	// first.
	Sales []TierMonth
	// Active licenses per product and tier.
	Active []ActiveLicenses
	// Days are pulls per day over the last PullDays days, oldest first.
	Days []catalog.DayCount
	// Customers, Licenses and Tags pull most, most first.
	Customers []Count
	Licenses  []Count
	Tags      []Count
}

// TierMonth is a tier's sales in one month and currency. Sales counts the
// paid sales; Gross and Net sum every sale and refund.
type TierMonth struct {
	Month    string // "2006-01"
	Product  string
	Tier     string
	Currency string
	Sales    int
	Gross    int64
	Net      int64
}

// ActiveLicenses is how many licenses of a product's tier entitle now.
type ActiveLicenses struct {
	Product string
	Tier    string
	Active  int
}

// Count is a named number of pulls.
type Count struct {
	Name  string
	Pulls int64
}

// Of gathers the figures of the publisher slug.
func (s *Service) Of(ctx context.Context, slug string) (Report, error) {
	var r Report
	now := s.now().UTC()
	to := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	sales, err := s.sales.SalesOf(ctx, slug, to.AddDate(-1, 0, 0), to)
	if err != nil {
		return r, err
	}
	r.Sales = tierMonths(sales)
	page, err := s.products.Explore(ctx, catalog.ExploreQuery{Publisher: slug, Sort: catalog.SortName, Limit: maxProducts})
	if err != nil {
		return r, err
	}
	licenses, err := s.active(ctx, &r, page.Products, now)
	if err != nil {
		return r, err
	}
	tags, err := s.pulls(ctx, &r, page.Products, now)
	if err != nil {
		return r, err
	}
	r.Tags = top(tags, topN)
	return r, s.customers(ctx, &r, licenses)
}

// tierMonths sums sales per month, product, tier and currency.
func tierMonths(sales []billing.Sale) []TierMonth {
	byKey := map[[4]string]*TierMonth{}
	for _, s := range sales {
		k := [4]string{s.At.UTC().Format("2006-01"), s.Product, s.Tier, s.Currency}
		t, ok := byKey[k]
		if !ok {
			t = &TierMonth{Month: k[0], Product: k[1], Tier: k[2], Currency: k[3]}
			byKey[k] = t
		}
		if s.Gross > 0 {
			t.Sales++
		}
		t.Gross += s.Gross
		t.Net += s.Net
	}
	out := make([]TierMonth, 0, len(byKey))
	for _, t := range byKey {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(x, y TierMonth) int {
		return cmp.Or(cmp.Compare(y.Month, x.Month), cmp.Compare(x.Product, y.Product), cmp.Compare(x.Tier, y.Tier),
			cmp.Compare(x.Currency, y.Currency))
	})
	return out
}

// top returns the n largest counts, largest first (ties by name).
func top(counts map[string]int64, n int) []Count {
	out := make([]Count, 0, len(counts))
	for name, c := range counts {
		out = append(out, Count{Name: name, Pulls: c})
	}
	slices.SortFunc(out, func(x, y Count) int { return cmp.Or(cmp.Compare(y.Pulls, x.Pulls), cmp.Compare(x.Name, y.Name)) })
	return out[:min(len(out), n)]
}
