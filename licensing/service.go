package licensing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/berth/berth/internal/secret"
)

// Errors of license issuance.
var (
	// ErrPaymentRequired means the tier costs money and must be bought
	// through checkout.
	ErrPaymentRequired = errors.New("this tier is paid: buy it through checkout")
	// ErrTierNotFound means the product has no such tier.
	ErrTierNotFound = errors.New("no such tier")
)

// AlreadyLicensedError says the buyer already holds an active license for the
// tier; LicenseID names it, ProductName and TierName say what it is for in
// the words a buyer knows (empty when unknown).
type AlreadyLicensedError struct {
	LicenseID   string
	ProductName string
	TierName    string
}

func (e *AlreadyLicensedError) Error() string {
	if e.ProductName == "" || e.TierName == "" {
		return "you already hold an active license for this tier"
	}
	return "you already hold an active license for " + e.ProductName + " (" + e.TierName + ")"
}

// Tier is what licensing needs to know of a product tier.
type Tier struct {
	Product      string
	ProductName  string
	Tier         string
	TierName     string
	Free         bool
	Repositories []string
	Seats        int
	Entitlement  Entitlement
	Quota        Quota
	TermsVersion int
}

// Catalog looks up a product's tier; it returns an error matching
// ErrTierNotFound when there is none.
type Catalog interface {
	Tier(ctx context.Context, product, tier string) (Tier, error)
}

// Service issues, lists and revokes licenses.
type Service struct {
	store   Store
	usage   UsageStore
	catalog Catalog
	now     func() time.Time
}

// New returns a Service.
func New(store Store, usage UsageStore, catalog Catalog) *Service {
	return &Service{store: store, usage: usage, catalog: catalog, now: time.Now}
}

// Grant is a request to issue a license.
type Grant struct {
	Owner     string
	Product   string
	Tier      string
	ExpiresAt time.Time
}

// Issued is a new license and its key. The key exists only here: it is
// stored as a hash and can never be shown again.
type Issued struct {
	License License
	Key     string
}

// CheckoutFree issues a license for a free tier to owner. A paid tier yields
// ErrPaymentRequired; a second license for the same tier AlreadyLicensedError.
func (s *Service) CheckoutFree(ctx context.Context, owner, product, tier string) (Issued, error) {
	t, err := s.catalog.Tier(ctx, product, tier)
	if err != nil {
		return Issued{}, err
	}
	if !t.Free {
		return Issued{}, ErrPaymentRequired
	}
	return s.issue(ctx, Grant{Owner: owner, Product: product, Tier: tier}, t)
}

// Grant issues a license whatever the tier's price: the operator's path.
func (s *Service) Grant(ctx context.Context, g Grant) (Issued, error) {
	t, err := s.catalog.Tier(ctx, g.Product, g.Tier)
	if err != nil {
		return Issued{}, err
	}
	return s.issue(ctx, g, t)
}

// Holding returns owner's license of the tier that entitles now (active
// and unexpired), or ErrNotFound. One owner holds a tier at most once,
// however it came (free, granted or bought): issuing and paid checkout both
// ask here first.
func (s *Service) Holding(ctx context.Context, owner, product, tier string) (License, error) {
	existing, err := s.store.LicensesByOwner(ctx, owner)
	if err != nil {
		return License{}, fmt.Errorf("listing licenses: %w", err)
	}
	now := s.now()
	for _, l := range existing {
		if l.Product == product && l.Tier == tier && l.Entitles(now) {
			return l, nil
		}
	}
	return License{}, ErrNotFound
}

func (s *Service) issue(ctx context.Context, g Grant, t Tier) (Issued, error) {
	if l, err := s.Holding(ctx, g.Owner, t.Product, t.Tier); err == nil {
		return Issued{}, &AlreadyLicensedError{LicenseID: l.ID, ProductName: t.ProductName, TierName: t.TierName}
	} else if !errors.Is(err, ErrNotFound) {
		return Issued{}, err
	}
	now := s.now().UTC()
	key := secret.Token(KeyPrefix)
	l := License{
		ID:           secret.ID(),
		KeyHash:      secret.Hash(key),
		KeyHint:      secret.Hint(key),
		Owner:        g.Owner,
		Product:      t.Product,
		Tier:         t.Tier,
		Repositories: t.Repositories,
		Status:       StatusActive,
		Seats:        t.Seats,
		Entitlement:  t.Entitlement,
		Quota:        t.Quota,
		// Taking the tier is accepting its current terms.
		TermsVersion:    t.TermsVersion,
		TermsAcceptedAt: now,
		CreatedAt:       now,
		ExpiresAt:       g.ExpiresAt,
	}
	if err := s.store.CreateLicense(ctx, l); err != nil {
		return Issued{}, fmt.Errorf("storing license: %w", err)
	}
	return Issued{License: l, Key: key}, nil
}

// Licenses returns owner's licenses, newest first.
func (s *Service) Licenses(ctx context.Context, owner string) ([]License, error) {
	return s.store.LicensesByOwner(ctx, owner)
}

// License returns one license.
func (s *Service) License(ctx context.Context, id string) (License, error) {
	return s.store.LicenseByID(ctx, id)
}

// Revoke ends a license at once: no new token is issued for it; tokens
// already issued die at their expiry.
func (s *Service) Revoke(ctx context.Context, id string) (License, error) {
	return s.store.SetLicenseStatus(ctx, id, StatusRevoked, s.now().UTC())
}
