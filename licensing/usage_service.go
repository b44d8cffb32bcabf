package licensing

import (
	"context"
	"time"
)

// Seats returns the seats taken on a license, oldest first.
func (s *Service) Seats(ctx context.Context, licenseID string) ([]Seat, error) {
	return s.usage.Seats(ctx, licenseID)
}

// ReleaseSeat frees a seat, so that another credential may pull. The
// credential that held it takes a seat again on its next token if one is
// free.
func (s *Service) ReleaseSeat(ctx context.Context, licenseID, holder string) error {
	return s.usage.ReleaseSeat(ctx, licenseID, holder)
}

// Pulls returns attributed pulls, newest first.
func (s *Service) Pulls(ctx context.Context, q UsageQuery) ([]Pull, error) {
	return s.usage.Pulls(ctx, q)
}

// TokenRecords returns token audit records, newest first.
func (s *Service) TokenRecords(ctx context.Context, q UsageQuery) ([]TokenRecord, error) {
	return s.usage.TokenRecords(ctx, q)
}

// QuotaUsage is where a license stands against its pull quota; nil for a
// license without one.
func (s *Service) QuotaUsage(ctx context.Context, l License) (*QuotaStatus, error) {
	if l.Quota.Pulls <= 0 {
		return nil, nil
	}
	period, reset := periodKey(l.Quota.Period, s.now())
	used, err := s.usage.PullCount(ctx, l.ID, period)
	if err != nil {
		return nil, err
	}
	return &QuotaStatus{Limit: l.Quota.Pulls, Remaining: max(l.Quota.Pulls-used, 0), Reset: reset}, nil
}

// PruneUsage deletes audit records and pulls older than keep.
func (s *Service) PruneUsage(ctx context.Context, keep time.Duration) (int, error) {
	return s.usage.PruneUsage(ctx, s.now().Add(-keep))
}

// LicensesOfProduct returns a product's licenses, newest first, at most
// limit.
func (s *Service) LicensesOfProduct(ctx context.Context, product string, limit int) ([]License, error) {
	return s.store.LicensesByProduct(ctx, product, limit)
}
