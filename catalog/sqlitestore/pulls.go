package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

// dayLayout is how tag_pulls writes a UTC day; such days sort as text.
const dayLayout = "2006-01-02"

// Tag pull statements, each on tag_pulls' primary key.
const (
	countTagPull = `INSERT INTO tag_pulls (repository, tag, day, pulls) VALUES (?, ?, ?, 1)
		ON CONFLICT (repository, tag, day) DO UPDATE SET pulls = pulls + 1`
	selectTagPulls = `SELECT day, pulls FROM tag_pulls
		WHERE repository = ? AND tag = ? AND day >= ? AND day < ? ORDER BY day`
	selectTagPullTotals = `SELECT tag, sum(pulls) FROM tag_pulls WHERE repository = ? GROUP BY tag`
)

// RecordPull stores e, adds one pull to the product owning e.Repository
// or to the user's or organisation's repository e.Repository, and, when e.Tag is set, one to the tag's count for e.At's UTC day, in one
// transaction; it reports false, changing nothing, when e.ID was recorded
// before. A pull of a repository no product owns is recorded but counted
// against no product.
func (s *Store) RecordPull(ctx context.Context, e catalog.PullEvent) (bool, error) {
	var recorded bool
	err := sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO pull_events (id, repository, reference, digest, at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
			e.ID, e.Repository, e.Reference, e.Digest, storecodec.Time(e.At))
		if recorded, err = changed(res, err); err != nil || !recorded {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE products SET pulls = pulls + 1 WHERE id =
			(SELECT product_id FROM product_repositories WHERE repository = ?)`, e.Repository)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE repositories SET pulls = pulls + 1 WHERE name = ?`, e.Repository)
		if err != nil || e.Tag == "" {
			return err
		}
		_, err = tx.ExecContext(ctx, countTagPull, e.Repository, e.Tag, e.At.UTC().Format(dayLayout))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("recording pull %s: %w", e.ID, err)
	}
	return recorded, nil
}

// TagPulls returns a tag's pull counts per UTC day, oldest first, for the
// days that overlap [from, to); days without pulls are left out.
func (s *Store) TagPulls(ctx context.Context, repository, tag string, from, to time.Time) ([]catalog.DayCount, error) {
	first, end := dayRange(from, to)
	out, err := sqldb.QueryAll(ctx, s.db, func(sc sqldb.Scanner) (catalog.DayCount, error) {
		var d catalog.DayCount
		err := sc.Scan(&d.Day, &d.Pulls)
		return d, err
	}, selectTagPulls, repository, tag, first, end)
	if err != nil {
		return nil, fmt.Errorf("reading pulls of tag %s:%s: %w", repository, tag, err)
	}
	return out, nil
}

// dayRange returns the first UTC day overlapping [from, to) and the day
// after the last, as dayLayout text.
func dayRange(from, to time.Time) (first, end string) {
	to = to.UTC()
	last := to.Truncate(24 * time.Hour)
	if to.After(last) {
		last = last.AddDate(0, 0, 1)
	}
	return from.UTC().Format(dayLayout), last.Format(dayLayout)
}

// TagPullTotals returns the total pulls of each of a repository's tags
// with pulls counted, deleted tags included.
func (s *Store) TagPullTotals(ctx context.Context, repository string) (map[string]int64, error) {
	rows, err := sqldb.Query(ctx, s.db, selectTagPullTotals, repository)
	if err != nil {
		return nil, fmt.Errorf("totalling tag pulls of %s: %w", repository, err)
	}
	defer func() { _ = rows.Close() }()
	out := make(map[string]int64)
	for rows.Next() {
		var (
			tag   string
			pulls int64
		)
		if err := rows.Scan(&tag, &pulls); err != nil {
			return nil, fmt.Errorf("totalling tag pulls of %s: %w", repository, err)
		}
		out[tag] = pulls
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("totalling tag pulls of %s: %w", repository, err)
	}
	return out, nil
}
