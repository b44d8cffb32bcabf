package catalog

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/berth/berth/internal/logoimage"
)

// Listings is how publishers make and edit their listings: it validates a
// listing against its publisher, keeps what the editor does not own, raises
// a tier's terms version when its terms change, and saves it. Who may edit
// a publisher's listings is decided before it is called.
type Listings struct {
	store   ListingStore
	sellers Sellers
	rules   TierRules
}

// ListingStore is what Listings needs of the catalog store.
type ListingStore interface {
	ProductBySlug(ctx context.Context, slug string) (Product, error)
	ProductsByPublisher(ctx context.Context, publisher string) ([]Product, error)
	PutProduct(ctx context.Context, p Product) (Product, error)
}

// Seller is the publisher a listing belongs to, as listings need it: its
// registry namespaces bound the listing's repositories, and only an
// approved publisher's listings are published.
type Seller struct {
	Slug       string
	Namespaces []string
	Approved   bool
}

// Sellers finds the publisher listings are made for.
type Sellers interface {
	// Seller returns the publisher called slug, and false when none is.
	Seller(ctx context.Context, slug string) (Seller, bool, error)
}

// TierRules checks the entitlement terms a tier carries into its licenses;
// their syntax belongs to licensing.
type TierRules interface {
	// CheckQuota checks a pull quota: pulls per period ("day", "month").
	CheckQuota(pulls int, period string) error
	// CheckEntitlement checks a semantic-version range and a tag glob.
	CheckEntitlement(versions, tagPattern string) error
}

// NewListings returns Listings saving to store, finding publishers through
// sellers and checking tiers' entitlement terms with rules.
func NewListings(store ListingStore, sellers Sellers, rules TierRules) *Listings {
	return &Listings{store: store, sellers: sellers, rules: rules}
}

// Errors of listings, beside InvalidError, ErrNotFound and ErrRepositoryTaken.
var (
	// ErrSlugTaken means another listing already has the slug.
	ErrSlugTaken = errors.New("another listing has that slug")
	// ErrSellerNotApproved means the publisher is not approved yet, so
	// its listings stay drafts.
	ErrSellerNotApproved = errors.New("the publisher is not approved yet: listings stay drafts")
)

// ListingInput is a listing as its publisher edits it. Status is "" (keep;
// a draft when new), draft, published or unpublished. The tiers'
// TermsVersion is ignored: Listings sets it.
type ListingInput struct {
	Slug         string
	Name         string
	Kind         Kind
	Summary      string
	Description  string
	Categories   []string
	Repositories []string
	Tiers        []Tier
	Status       string
}

// Create validates a new listing of the publisher seller and saves it.
func (l *Listings) Create(ctx context.Context, seller string, in ListingInput) (Product, error) {
	s, err := l.seller(ctx, seller)
	if err != nil {
		return Product{}, err
	}
	slug := strings.ToLower(strings.TrimSpace(in.Slug))
	if _, err := l.store.ProductBySlug(ctx, slug); err == nil {
		return Product{}, fmt.Errorf("slug %s: %w", slug, ErrSlugTaken)
	} else if !errors.Is(err, ErrNotFound) {
		return Product{}, err
	}
	return l.save(ctx, s, Product{}, in)
}

// Update validates the seller's listing slug as edited and saves it. The
// listing keeps its slug (links and licenses name it) and what the editor
// does not own: ID, stars, pulls, logo, badge and platforms.
func (l *Listings) Update(ctx context.Context, seller, slug string, in ListingInput) (Product, error) {
	s, old, err := l.listing(ctx, seller, slug)
	if err != nil {
		return Product{}, err
	}
	in.Slug = old.Slug
	return l.save(ctx, s, old, in)
}

// Publish puts the seller's listing slug on sale, in Explore and search.
func (l *Listings) Publish(ctx context.Context, seller, slug string) (Product, error) {
	return l.setStatus(ctx, seller, slug, StatusPublished)
}

// Unpublish takes the seller's listing slug off sale; its licenses stay.
func (l *Listings) Unpublish(ctx context.Context, seller, slug string) (Product, error) {
	return l.setStatus(ctx, seller, slug, StatusUnpublished)
}

func (l *Listings) setStatus(ctx context.Context, seller, slug, status string) (Product, error) {
	s, p, err := l.listing(ctx, seller, slug)
	if err != nil {
		return Product{}, err
	}
	if status == StatusPublished && !s.Approved {
		return Product{}, ErrSellerNotApproved
	}
	p.Status = status
	return l.store.PutProduct(ctx, p)
}

// Listing returns the seller's listing slug, whatever its status.
func (l *Listings) Listing(ctx context.Context, seller, slug string) (Product, error) {
	_, p, err := l.listing(ctx, seller, slug)
	return p, err
}

// Listings returns every listing of the seller, whatever its status, by
// name.
func (l *Listings) Listings(ctx context.Context, seller string) ([]Product, error) {
	s, err := l.seller(ctx, seller)
	if err != nil {
		return nil, err
	}
	return l.store.ProductsByPublisher(ctx, s.Slug)
}

// PublishedListings returns the seller's listings on sale, by name: what
// its public page shows to anyone.
func (l *Listings) PublishedListings(ctx context.Context, seller string) ([]Product, error) {
	all, err := l.Listings(ctx, seller)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, p := range all {
		if p.Published() {
			out = append(out, p)
		}
	}
	return out, nil
}

func (l *Listings) seller(ctx context.Context, slug string) (Seller, error) {
	s, ok, err := l.sellers.Seller(ctx, slug)
	if err != nil {
		return s, fmt.Errorf("finding publisher %s: %w", slug, err)
	}
	if !ok {
		return s, fmt.Errorf("publisher %s: %w", slug, ErrNotFound)
	}
	return s, nil
}

// listing returns the seller and its listing slug; another publisher's
// listing is not found.
func (l *Listings) listing(ctx context.Context, seller, slug string) (Seller, Product, error) {
	s, err := l.seller(ctx, seller)
	if err != nil {
		return s, Product{}, err
	}
	p, err := l.store.ProductBySlug(ctx, slug)
	if errors.Is(err, ErrNotFound) || err == nil && p.Publisher != s.Slug {
		return s, Product{}, fmt.Errorf("listing %s of %s: %w", slug, s.Slug, ErrNotFound)
	}
	return s, p, err
}

// save validates in against the seller and old, and stores it.
func (l *Listings) save(ctx context.Context, s Seller, old Product, in ListingInput) (Product, error) {
	if !s.Approved && in.Status == StatusPublished {
		return Product{}, ErrSellerNotApproved
	}
	p, err := l.validate(in, s, old)
	if err != nil {
		return Product{}, err
	}
	saved, err := l.store.PutProduct(ctx, p)
	if errors.Is(err, ErrRepositoryTaken) {
		return Product{}, &InvalidError{Field: "repositories", Message: "a repository belongs to another listing"}
	}
	return saved, err
}

// MaxLogo bounds a logo's size.
const MaxLogo = logoimage.MaxBytes

// SetLogo sets the logo of the seller's listing slug: a PNG, JPEG or WebP
// image of at most MaxLogo bytes, checked by its content, kept as a data
// URL.
func (l *Listings) SetLogo(ctx context.Context, seller, slug string, image []byte) (Product, error) {
	_, p, err := l.listing(ctx, seller, slug)
	if err != nil {
		return Product{}, err
	}
	mime, err := logoimage.Check(image)
	if errors.Is(err, logoimage.ErrSize) {
		return Product{}, &InvalidError{Field: "logo", Message: "send a PNG, JPEG or WebP image of at most 256 KiB as the body"}
	} else if err != nil {
		return Product{}, &InvalidError{Field: "logo", Message: err.Error()}
	}
	p.Logo = "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(image)
	return l.store.PutProduct(ctx, p)
}

// SetBadge gives the listing slug the store's Official or Certified badge,
// or takes it away (BadgeNone).
func (l *Listings) SetBadge(ctx context.Context, slug string, b Badge) (Product, error) {
	if b != BadgeOfficial && b != BadgeCertified && b != BadgeNone {
		return Product{}, &InvalidError{Field: "badge", Message: "official, certified or empty"}
	}
	p, err := l.store.ProductBySlug(ctx, slug)
	if err != nil {
		return Product{}, err
	}
	p.Badge = b
	return l.store.PutProduct(ctx, p)
}
