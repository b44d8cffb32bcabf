// Package catalog owns what the store sells: products (images and plugins),
// their repositories and tiers, and the counters buyers sort by.
package catalog

import (
	"context"
	"errors"
	"time"
)

// Kind says whether a product is a container image or a plugin.
type Kind string

// Product kinds.
const (
	KindImage  Kind = "image"
	KindPlugin Kind = "plugin"
)

// Badge is the review status the store gives a product.
type Badge string

// Product badges. An empty badge is a community listing.
const (
	BadgeOfficial  Badge = "official"
	BadgeCertified Badge = "certified"
	BadgeNone      Badge = ""
)

// Tier is one way to buy a product. Price is in the currency's minor unit
// (cents); a zero price is a free ("Express") tier. Repositories lists the
// repositories, each "namespace/name", that a license for this tier may pull.
type Tier struct {
	ID           string
	Name         string
	Description  string
	Price        int64
	Currency     string
	Repositories []string
	// Entitlement terms, copied into each license issued for the tier.
	Seats       int    // distinct credentials of an organisation that may pull; 0: unlimited
	Versions    string // semantic-version range of pullable tags; empty: any
	TagPattern  string // glob of pullable tag names; empty: any
	Perpetual   bool   // after expiry, tags released before the end stay pullable
	PullQuota   int    // pulls per QuotaPeriod; 0: unlimited
	QuotaPeriod string // "day" or "month"
	// Billing: a one-time price (Interval "") or a subscription billed
	// every month or year, with optional trial days.
	Interval  string
	TrialDays int
	// Terms is the license agreement (EULA) a buyer accepts, TermsVersion
	// its version: publishing new terms raises it, and licenses accepted
	// under an older version must accept again before their next pull.
	Terms        string
	TermsVersion int
}

// Free reports whether the tier costs nothing.
func (t Tier) Free() bool { return t.Price == 0 }

// Product is a listing in the catalog. Repositories is every repository the
// product ships; tiers name subsets of it.
type Product struct {
	ID           string
	Slug         string
	Name         string
	Publisher    string
	Kind         Kind
	Badge        Badge
	Summary      string
	Description  string
	Categories   []string
	Repositories []string
	Tiers        []Tier
	Stars        int64
	Pulls        int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Tier returns the product's tier with that ID.
func (p Product) Tier(id string) (Tier, bool) {
	for _, t := range p.Tiers {
		if t.ID == id {
			return t, true
		}
	}
	return Tier{}, false
}

// Sentinel errors callers compare with errors.Is.
var (
	// ErrNotFound means no product matched.
	ErrNotFound = errors.New("not found")
	// ErrRepositoryTaken means a repository already belongs to another product.
	ErrRepositoryTaken = errors.New("repository belongs to another product")
)

// ListQuery selects products. Zero fields do not filter. Results are ordered by
// stars, then pulls (both descending), then slug.
type ListQuery struct {
	Kind   Kind
	Badge  *Badge
	Limit  int
	Offset int
}

// PullEvent is one manifest pull reported by the registry; ID is the
// registry's event id and makes recording idempotent.
type PullEvent struct {
	ID         string
	Repository string
	Reference  string
	Digest     string
	At         time.Time
}

// Store persists the catalog. Implementations live in sqlitestore and
// mongostore and pass the shared suite in catalogtest.
type Store interface {
	// PutProduct inserts p, or replaces the product with the same slug while
	// keeping its ID, CreatedAt, Stars and Pulls. A repository owned by another
	// product yields ErrRepositoryTaken.
	PutProduct(ctx context.Context, p Product) (Product, error)
	// ProductBySlug returns the product or ErrNotFound.
	ProductBySlug(ctx context.Context, slug string) (Product, error)
	// ListProducts returns the products q selects, in ListQuery order.
	ListProducts(ctx context.Context, q ListQuery) ([]Product, error)
	// RecordPull counts e once against the product owning e.Repository;
	// it reports false when the event id was seen before.
	RecordPull(ctx context.Context, e PullEvent) (bool, error)
}
