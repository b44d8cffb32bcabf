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
	// Logo is an image URL (or a data: URL) shown beside the name; empty:
	// Berth's own mark.
	Logo string
	// Status is the listing's state: published (or empty: listings made
	// before statuses existed) is for sale and in Explore and search; a
	// draft or an unpublished listing is seen only by its publisher.
	Status string
	// Platforms are the "os/architecture[/variant]" of the product's
	// tags, kept by SetPlatforms as tags are recorded: the OS and
	// architecture filters of Explore.
	Platforms []string
	// PluginInterfaces are the capabilities ("volumedriver") of the
	// interface types of the product's plugin tags, kept by
	// SetPluginInterfaces as tags are recorded: Explore's interface
	// filter.
	PluginInterfaces []string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Listing statuses.
const (
	StatusDraft       = "draft"
	StatusPublished   = "published"
	StatusUnpublished = "unpublished"
)

// Published reports whether the listing is for sale and visible to all.
func (p Product) Published() bool { return p.Status == "" || p.Status == StatusPublished }

// HasFree reports whether some tier costs nothing; HasPaid whether some
// tier costs money.
func (p Product) HasFree() bool {
	for _, t := range p.Tiers {
		if t.Free() {
			return true
		}
	}
	return false
}

// HasPaid reports whether some tier costs money.
func (p Product) HasPaid() bool {
	for _, t := range p.Tiers {
		if !t.Free() {
			return true
		}
	}
	return false
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

// PullEvent is one image-manifest pull reported by the registry; ID is the
// registry's event id and makes recording idempotent. Tag is the tag the
// pulled manifest belongs to, when known ("" otherwise).
type PullEvent struct {
	ID         string
	Repository string
	Reference  string
	Digest     string
	Tag        string
	At         time.Time
}

// Sorts of Explore.
const (
	SortPopular = "popular" // stars, then pulls, both descending (the default)
	SortNewest  = "newest"  // created, newest first
	SortUpdated = "updated" // updated, most recent first
	SortName    = "name"    // name, A to Z
)

// ExploreQuery selects and orders products for Explore. Zero fields do not
// filter. Tab is "official" (badge official), "certified" (badge certified,
// images only: the tab is "Certified images") or "plugins" (kind plugin); Price is "free" (some tier free) or "paid"
// (some tier paid); OS and Arch match a platform of the product's tags;
// Interface matches a capability of its plugin tags ("volumedriver"), and
// plugins only.
type ExploreQuery struct {
	Tab       string
	Sort      string
	Category  string
	Kind      Kind
	Publisher string
	Price     string
	OS        string
	Arch      string
	Interface string
	Limit     int
	Offset    int
}

// TabFilter returns the badge and the kind Explore's tab fixes, "" for
// those it leaves open; an unknown tab fixes neither.
func TabFilter(tab string) (Badge, Kind) {
	switch tab {
	case "official":
		return BadgeOfficial, ""
	case "certified":
		return BadgeCertified, KindImage
	case "plugins":
		return "", KindPlugin
	}
	return "", ""
}

// ExplorePage is one page of Explore; More says whether another follows.
type ExplorePage struct {
	Products []Product
	More     bool
}

// SearchHit is a product matching a search, with its score (higher is
// better).
type SearchHit struct {
	Product Product
	Score   float64
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
	// ProductsByPublisher returns every listing of a publisher, whatever its
	// status, by name.
	ProductsByPublisher(ctx context.Context, publisher string) ([]Product, error)
	// ProductByRepository returns the slug of the product shipping repo, or
	// ErrNotFound.
	ProductByRepository(ctx context.Context, repo string) (string, error)
	// ListProducts returns the products q selects, in ListQuery order.
	ListProducts(ctx context.Context, q ListQuery) ([]Product, error)
	// RecordPull counts e once against the product owning e.Repository,
	// and against e.Repository's e.Tag (when set) on e.At's UTC day; it
	// reports false when the event id was seen before.
	RecordPull(ctx context.Context, e PullEvent) (bool, error)

	// Explore returns one page of products q selects, in q.Sort order
	// (ties by slug). It must answer in milliseconds at 100,000 products
	// on SQLite: every filter and sort uses an index, and there is no
	// total count.
	Explore(ctx context.Context, q ExploreQuery) (ExplorePage, error)
	// Search returns up to limit products matching text in name,
	// publisher, categories, summary and description, best first:
	// matches in the name rank above the rest, and a short slip (a letter
	// wrong, missing or swapped) still finds the product. Products are
	// indexed when put. It must stay fast at 100,000 products.
	Search(ctx context.Context, text string, limit int) ([]SearchHit, error)
	// SetPlatforms records the platforms of a product's tags.
	SetPlatforms(ctx context.Context, slug string, platforms []string) error
	// SetPluginInterfaces records the capabilities of the interface types
	// of a product's plugin tags, each once and sorted; ErrNotFound for an
	// unknown slug. PutProduct keeps them, as it keeps Platforms.
	SetPluginInterfaces(ctx context.Context, slug string, capabilities []string) error
	// Categories returns every category in use with its count of the
	// products Explore's tab shows (every product for ""), by name.
	Categories(ctx context.Context, tab string) ([]CategoryCount, error)
	// PublisherSlugs returns every publisher slug with products, by slug.
	PublisherSlugs(ctx context.Context) ([]string, error)
	// PlatformsInUse returns every platform ("os/architecture[/variant]")
	// of a published product, sorted: the values Explore's OS and
	// architecture filters offer, so that none of them finds nothing.
	PlatformsInUse(ctx context.Context) ([]string, error)
}

// CategoryCount is a category and how many products have it.
type CategoryCount struct {
	Name     string
	Products int
}
