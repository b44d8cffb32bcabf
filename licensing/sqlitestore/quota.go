package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/licensing"
)

// CountPull adds one to the license's pull count for period unless limit > 0
// and the count has reached limit, and returns the count afterwards and
// whether the pull was counted. The check and the increment are one upsert,
// so concurrent pulls never count past limit. The count's change time, which
// PruneUsage goes by, comes from the system clock.
func (s *Store) CountPull(ctx context.Context, licenseID, period string, limit int) (int, bool, error) {
	var n int
	err := sqldb.QueryRow(ctx, s.db, countPull, licenseID, period, storecodec.Time(time.Now()), limit, limit).Scan(&n)
	if err == nil {
		return n, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, fmt.Errorf("counting a pull of license %s in %s: %w", licenseID, period, err)
	}
	// The count had reached limit: nothing was written.
	n, err = s.PullCount(ctx, licenseID, period)
	return n, false, err
}

// PullCount returns the license's pull count for period (0 if none).
func (s *Store) PullCount(ctx context.Context, licenseID, period string) (int, error) {
	var n int
	err := sqldb.QueryRow(ctx, s.db, selectPullCount, licenseID, period).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the pull count of license %s in %s: %w", licenseID, period, err)
	}
	return n, nil
}

// RecordRelease records that repository:tag points at r.Digest since r.At;
// a tag already recorded at the same digest keeps its time.
func (s *Store) RecordRelease(ctx context.Context, r licensing.Release) error {
	if _, err := sqldb.Exec(ctx, s.db, recordRelease, r.Repository, r.Tag, r.Digest, storecodec.Time(r.At)); err != nil {
		return fmt.Errorf("recording release %s:%s: %w", r.Repository, r.Tag, err)
	}
	return nil
}

// Releases returns the repository's recorded tags, by tag name.
func (s *Store) Releases(ctx context.Context, repository string) ([]licensing.Release, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanRelease, selectReleases, repository)
	if err != nil {
		return nil, fmt.Errorf("listing releases of %s: %w", repository, err)
	}
	return out, nil
}

// PruneUsage deletes, in one transaction, token records (with their license
// rows) and pulls older than before, and pull counts last changed before it.
// It returns how many records, pulls and counts went.
func (s *Store) PruneUsage(ctx context.Context, before time.Time) (int, error) {
	b := storecodec.Time(before)
	var total int
	err := sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, pruneTokenRecordLicenses, b); err != nil {
			return err
		}
		for _, stmt := range []string{pruneTokenRecords, prunePulls, prunePullCounts} {
			res, err := tx.ExecContext(ctx, stmt, b)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			total += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("pruning usage before %v: %w", before, err)
	}
	return total, nil
}

// scanRelease reads one row of selectReleases.
func scanRelease(sc sqldb.Scanner) (licensing.Release, error) {
	var (
		r  licensing.Release
		at int64
	)
	if err := sc.Scan(&r.Repository, &r.Tag, &r.Digest, &at); err != nil {
		return licensing.Release{}, err
	}
	r.At = storecodec.ParseTime(at)
	return r, nil
}
