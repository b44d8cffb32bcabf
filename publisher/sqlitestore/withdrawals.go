package sqlitestore

import (
	"context"
	"fmt"
	"strings"

	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/publisher"
)

// withdrawalColumns are the withdrawals columns in the order
// scanWithdrawal reads them.
const withdrawalColumns = `id, publisher_id, repository, tag, digest, reason, by_user, at, done`

// CreateWithdrawal inserts w unless a withdrawal of the same repository,
// tag and digest exists, and returns the stored withdrawal and whether it
// is w. The unique index on the three decides, so of concurrent
// withdrawals of one tag exactly one is recorded. An empty ID is filled
// in; an ID another withdrawal has yields publisher.ErrConflict.
func (s *Store) CreateWithdrawal(ctx context.Context, w publisher.Withdrawal) (publisher.Withdrawal, bool, error) {
	if w.ID == "" {
		w.ID = secret.ID()
	}
	res, err := sqldb.Exec(ctx, s.db, `INSERT INTO withdrawals (`+withdrawalColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (repository, tag, digest) DO NOTHING`,
		w.ID, w.Publisher, w.Repository, w.Tag, w.Digest, w.Reason, w.By, storecodec.Time(w.At), w.Done)
	if _, ok := sqldb.UniqueViolation(err); ok {
		return publisher.Withdrawal{}, false, fmt.Errorf("creating withdrawal %s: %w", w.ID, publisher.ErrConflict)
	}
	if err != nil {
		return publisher.Withdrawal{}, false, fmt.Errorf("creating withdrawal %s: %w", w.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return publisher.Withdrawal{}, false, fmt.Errorf("creating withdrawal %s: %w", w.ID, err)
	}
	if n == 1 {
		return w, true, nil
	}
	existing, err := sqldb.QueryOne(ctx, s.db, fmt.Sprintf("withdrawal of %s:%s@%s", w.Repository, w.Tag, w.Digest),
		publisher.ErrNotFound, scanWithdrawal,
		`SELECT `+withdrawalColumns+` FROM withdrawals WHERE repository = ? AND tag = ? AND digest = ?`,
		w.Repository, w.Tag, w.Digest)
	if err != nil {
		return publisher.Withdrawal{}, false, fmt.Errorf("creating withdrawal %s: %w", w.ID, err)
	}
	return existing, false, nil
}

// FinishWithdrawal marks a withdrawal done, or returns
// publisher.ErrNotFound.
func (s *Store) FinishWithdrawal(ctx context.Context, id string) error {
	res, err := sqldb.Exec(ctx, s.db, `UPDATE withdrawals SET done = 1 WHERE id = ?`, id)
	if err := sqldb.ChangedOne(res, err, publisher.ErrNotFound); err != nil {
		return fmt.Errorf("finishing withdrawal %s: %w", id, err)
	}
	return nil
}

// Withdrawals returns the publisher's withdrawals, newest first (ties by
// ID, descending), at most limit; a limit below 1 returns none.
func (s *Store) Withdrawals(ctx context.Context, publisherID string, limit int) ([]publisher.Withdrawal, error) {
	if limit < 1 {
		return nil, nil
	}
	out, err := sqldb.QueryAll(ctx, s.db, scanWithdrawal, `SELECT `+withdrawalColumns+` FROM withdrawals
		WHERE publisher_id = ? ORDER BY at DESC, id DESC LIMIT ?`, publisherID, limit)
	if err != nil {
		return nil, fmt.Errorf("listing withdrawals of %s: %w", publisherID, err)
	}
	return out, nil
}

// WithdrawalsOf returns the withdrawals of any of repositories, newest
// first (ties by ID, descending), at most limit; a limit below 1 or no
// repository returns none.
func (s *Store) WithdrawalsOf(ctx context.Context, repositories []string, limit int) ([]publisher.Withdrawal, error) {
	if limit < 1 || len(repositories) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(repositories)+1)
	for _, r := range repositories {
		args = append(args, r)
	}
	args = append(args, limit)
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(repositories)), ", ")
	out, err := sqldb.QueryAll(ctx, s.db, scanWithdrawal, `SELECT `+withdrawalColumns+` FROM withdrawals
		WHERE repository IN (`+marks+`) ORDER BY at DESC, id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("listing withdrawals of %s: %w", strings.Join(repositories, ", "), err)
	}
	return out, nil
}

// LatestWithdrawal returns the newest withdrawal of repository:tag, or
// publisher.ErrNotFound.
func (s *Store) LatestWithdrawal(ctx context.Context, repository, tag string) (publisher.Withdrawal, error) {
	return sqldb.QueryOne(ctx, s.db, "withdrawal of "+repository+":"+tag, publisher.ErrNotFound, scanWithdrawal,
		`SELECT `+withdrawalColumns+` FROM withdrawals WHERE repository = ? AND tag = ?
		ORDER BY at DESC, id DESC LIMIT 1`, repository, tag)
}

// scanWithdrawal reads one row of withdrawalColumns.
func scanWithdrawal(sc sqldb.Scanner) (publisher.Withdrawal, error) {
	var (
		w  publisher.Withdrawal
		at int64
	)
	if err := sc.Scan(&w.ID, &w.Publisher, &w.Repository, &w.Tag, &w.Digest, &w.Reason, &w.By, &at, &w.Done); err != nil {
		return publisher.Withdrawal{}, err
	}
	w.At = storecodec.ParseTime(at)
	return w, nil
}
