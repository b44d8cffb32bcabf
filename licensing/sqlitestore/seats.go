package sqlitestore

import (
	"context"
	"fmt"
	"time"

	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/licensing"
)

// ClaimSeat gives holder a seat on the license unless limit seats are taken
// (limit <= 0: no cap), and reports whether holder holds a seat afterwards.
// The count and the insert are one statement, so concurrent claims never
// give more than limit seats.
func (s *Store) ClaimSeat(ctx context.Context, licenseID, holder string, limit int, at time.Time) (bool, error) {
	n, err := sqldb.ExecCount(ctx, s.db, claimSeat, licenseID, holder, storecodec.Time(at), limit, licenseID, limit)
	if err != nil {
		return false, fmt.Errorf("claiming a seat on license %s: %w", licenseID, err)
	}
	if n == 1 {
		return true, nil
	}
	var held bool
	if err := sqldb.QueryRow(ctx, s.db, seatHeld, licenseID, holder).Scan(&held); err != nil {
		return false, fmt.Errorf("reading a seat on license %s: %w", licenseID, err)
	}
	return held, nil
}

// Seats returns the license's seats, oldest claim first (ties by holder).
func (s *Store) Seats(ctx context.Context, licenseID string) ([]licensing.Seat, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanSeat, selectSeats, licenseID)
	if err != nil {
		return nil, fmt.Errorf("listing seats of license %s: %w", licenseID, err)
	}
	return out, nil
}

// ReleaseSeat frees holder's seat, or returns licensing.ErrNotFound.
func (s *Store) ReleaseSeat(ctx context.Context, licenseID, holder string) error {
	res, err := sqldb.Exec(ctx, s.db, releaseSeat, licenseID, holder)
	if err := changedOne(res, err); err != nil {
		return fmt.Errorf("releasing the seat of %s on license %s: %w", holder, licenseID, err)
	}
	return nil
}

// scanSeat reads one row of selectSeats.
func scanSeat(sc sqldb.Scanner) (licensing.Seat, error) {
	var (
		seat    licensing.Seat
		claimed int64
	)
	if err := sc.Scan(&seat.LicenseID, &seat.Holder, &claimed); err != nil {
		return licensing.Seat{}, err
	}
	seat.ClaimedAt = storecodec.ParseTime(claimed)
	return seat, nil
}
