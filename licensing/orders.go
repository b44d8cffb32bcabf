package licensing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/berth/berth/internal/secret"
)

// OrderGrant is a paid order's license: its ID is fixed by the order, so
// that issuing it again (a webhook delivered twice, or retried after a
// crash) finds it instead of issuing a second one.
type OrderGrant struct {
	LicenseID    string
	OrderID      string
	Owner        string
	Product      string
	Tier         string
	Quantity     int // units bought; seats = the tier's seats × quantity
	ExpiresAt    time.Time
	Trial        bool
	TermsVersion int
}

// IssueOrder issues an order's license unless it exists, and reports
// whether it issued it now. Its key is random and never shown: the holder
// pulls with their own credentials, or reveals a key on the license page
// (RevealKey), which replaces it.
func (s *Service) IssueOrder(ctx context.Context, g OrderGrant) (License, bool, error) {
	if l, err := s.store.LicenseByID(ctx, g.LicenseID); err == nil {
		return l, false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return License{}, false, err
	}
	t, err := s.catalog.Tier(ctx, g.Product, g.Tier)
	if err != nil {
		return License{}, false, err
	}
	now := s.now().UTC()
	key := secret.Token(KeyPrefix)
	l := License{ID: g.LicenseID, KeyHash: secret.Hash(key), KeyHint: secret.Hint(key), Owner: g.Owner, Product: t.Product,
		Tier: t.Tier, Repositories: t.Repositories, Status: StatusActive, Trial: g.Trial, Seats: t.Seats * max(g.Quantity, 1),
		Entitlement: t.Entitlement, Quota: t.Quota, OrderID: g.OrderID, TermsVersion: g.TermsVersion, TermsAcceptedAt: now,
		CreatedAt: now, ExpiresAt: g.ExpiresAt}
	if err := s.store.CreateLicense(ctx, l); errors.Is(err, ErrConflict) {
		l, err := s.store.LicenseByID(ctx, g.LicenseID)
		return l, false, err
	} else if err != nil {
		return License{}, false, fmt.Errorf("storing license: %w", err)
	}
	return l, true, nil
}

// RevealKey gives a license a new key and returns it: the only time it is
// shown. The previous key stops working at once.
func (s *Service) RevealKey(ctx context.Context, id string) (Issued, error) {
	l, err := s.store.LicenseByID(ctx, id)
	if err != nil {
		return Issued{}, err
	}
	key := secret.Token(KeyPrefix)
	l.KeyHash, l.KeyHint = secret.Hash(key), secret.Hint(key)
	if err := s.store.UpdateLicense(ctx, l); err != nil {
		return Issued{}, err
	}
	return Issued{License: l, Key: key}, nil
}

// SetExpiry sets when a license ends (zero: never). A subscription
// renewed, in its grace period or cancelled at its period's end moves it.
func (s *Service) SetExpiry(ctx context.Context, id string, at time.Time) (License, error) {
	return s.update(ctx, id, func(l *License) error {
		l.ExpiresAt = at
		return nil
	})
}

// ChangeTier moves a license to another tier of its product and to a new
// quantity (a subscription's plan or seat change), taking the tier's
// current terms.
func (s *Service) ChangeTier(ctx context.Context, id, tier string, quantity int) (License, error) {
	return s.update(ctx, id, func(l *License) error {
		t, err := s.catalog.Tier(ctx, l.Product, tier)
		if err != nil {
			return err
		}
		l.Tier, l.Repositories, l.Seats = t.Tier, t.Repositories, t.Seats*max(quantity, 1)
		l.Entitlement, l.Quota = t.Entitlement, t.Quota
		return nil
	})
}

// AcceptTerms records that the holder accepted version of the tier's
// terms, which must be the tier's current version (else StaleTermsError);
// a tier no longer sold has no terms to accept (ErrTierWithdrawn).
func (s *Service) AcceptTerms(ctx context.Context, id string, version int) (License, error) {
	return s.update(ctx, id, func(l *License) error {
		t, err := s.catalog.Tier(ctx, l.Product, l.Tier)
		if errors.Is(err, ErrTierNotFound) {
			return ErrTierWithdrawn
		} else if err != nil {
			return fmt.Errorf("looking up the tier of license %s: %w", l.ID, err)
		}
		if version != t.TermsVersion {
			return &StaleTermsError{Current: t.TermsVersion}
		}
		l.TermsVersion, l.TermsAcceptedAt = version, s.now().UTC()
		return nil
	})
}

func (s *Service) update(ctx context.Context, id string, change func(*License) error) (License, error) {
	l, err := s.store.LicenseByID(ctx, id)
	if err != nil {
		return License{}, err
	}
	if err := change(&l); err != nil {
		return License{}, err
	}
	if err := s.store.UpdateLicense(ctx, l); err != nil {
		return License{}, err
	}
	return l, nil
}
