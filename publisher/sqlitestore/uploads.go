package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/publisher"
)

// uploadColumns are the uploads columns in the order scanUpload reads them.
const uploadColumns = `id, publisher_id, staging, target, tag, digest, status, reason,
	attempts, next_attempt_at, pusher, created_at, updated_at`

// CreateUpload inserts u unless an upload of the same staging repository,
// tag and digest exists, and returns the stored upload and whether it is
// u. The unique index on the three decides, so of concurrent pushes of one
// tag and digest exactly one creates the upload. An empty ID is filled in;
// an ID another upload has yields publisher.ErrConflict.
func (s *Store) CreateUpload(ctx context.Context, u publisher.Upload) (publisher.Upload, bool, error) {
	if u.ID == "" {
		u.ID = secret.ID()
	}
	res, err := sqldb.Exec(ctx, s.db, `INSERT INTO uploads (`+uploadColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (staging, tag, digest) DO NOTHING`,
		u.ID, u.Publisher, u.Staging, u.Target, u.Tag, u.Digest, u.Status, u.Reason,
		u.Attempts, storecodec.Time(u.NextAttemptAt), u.Pusher,
		storecodec.Time(u.CreatedAt), storecodec.Time(u.UpdatedAt))
	if _, ok := sqldb.UniqueViolation(err); ok {
		return publisher.Upload{}, false, fmt.Errorf("creating upload %s: %w", u.ID, publisher.ErrConflict)
	}
	if err != nil {
		return publisher.Upload{}, false, fmt.Errorf("creating upload %s: %w", u.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return publisher.Upload{}, false, fmt.Errorf("creating upload %s: %w", u.ID, err)
	}
	if n == 1 {
		return u, true, nil
	}
	what := fmt.Sprintf("upload of %s:%s@%s", u.Staging, u.Tag, u.Digest)
	existing, err := sqldb.QueryOne(ctx, s.db, what, publisher.ErrNotFound, scanUpload,
		`SELECT `+uploadColumns+` FROM uploads WHERE staging = ? AND tag = ? AND digest = ?`,
		u.Staging, u.Tag, u.Digest)
	if err != nil {
		return publisher.Upload{}, false, fmt.Errorf("creating upload %s: %w", u.ID, err)
	}
	return existing, false, nil
}

// UpdateUpload replaces every field of the stored upload but ID and
// CreatedAt with u's, or returns publisher.ErrNotFound; the staging
// repository, tag and digest of another upload yield publisher.ErrConflict.
func (s *Store) UpdateUpload(ctx context.Context, u publisher.Upload) error {
	res, err := sqldb.Exec(ctx, s.db, `UPDATE uploads SET publisher_id = ?, staging = ?, target = ?,
		tag = ?, digest = ?, status = ?, reason = ?, attempts = ?, next_attempt_at = ?, pusher = ?,
		updated_at = ? WHERE id = ?`,
		u.Publisher, u.Staging, u.Target, u.Tag, u.Digest, u.Status, u.Reason, u.Attempts,
		storecodec.Time(u.NextAttemptAt), u.Pusher, storecodec.Time(u.UpdatedAt), u.ID)
	if _, ok := sqldb.UniqueViolation(err); ok {
		err = publisher.ErrConflict
	}
	if err := sqldb.ChangedOne(res, err, publisher.ErrNotFound); err != nil {
		return fmt.Errorf("updating upload %s: %w", u.ID, err)
	}
	return nil
}

// StepUpload records a step of u while the stored attempts are from, in
// one conditional UPDATE.
func (s *Store) StepUpload(ctx context.Context, u publisher.Upload, from int) error {
	res, err := sqldb.Exec(ctx, s.db, `UPDATE uploads SET status = ?, reason = ?, attempts = ?, next_attempt_at = ?,
		updated_at = ? WHERE id = ? AND attempts = ?`,
		u.Status, u.Reason, u.Attempts, storecodec.Time(u.NextAttemptAt), storecodec.Time(u.UpdatedAt), u.ID, from)
	err = sqldb.ChangedOne(res, err, publisher.ErrStale)
	if errors.Is(err, publisher.ErrStale) {
		if _, lerr := s.Upload(ctx, u.ID); errors.Is(lerr, publisher.ErrNotFound) {
			err = lerr
		}
	}
	if err != nil {
		return fmt.Errorf("recording a step of upload %s: %w", u.ID, err)
	}
	return nil
}

// Upload returns the upload with that ID, or publisher.ErrNotFound.
func (s *Store) Upload(ctx context.Context, id string) (publisher.Upload, error) {
	return sqldb.QueryOne(ctx, s.db, "upload "+id, publisher.ErrNotFound, scanUpload,
		`SELECT `+uploadColumns+` FROM uploads WHERE id = ?`, id)
}

// Uploads returns the publisher's uploads, newest first (ties by ID,
// descending), at most limit; a limit below 1 returns none.
func (s *Store) Uploads(ctx context.Context, publisherID string, limit int) ([]publisher.Upload, error) {
	if limit < 1 {
		return nil, nil
	}
	out, err := sqldb.QueryAll(ctx, s.db, scanUpload, `SELECT `+uploadColumns+` FROM uploads
		WHERE publisher_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`, publisherID, limit)
	if err != nil {
		return nil, fmt.Errorf("listing uploads of %s: %w", publisherID, err)
	}
	return out, nil
}

// UploadsByDigest returns the uploads of staging whose digest is digest, by
// tag.
func (s *Store) UploadsByDigest(ctx context.Context, staging, digest string) ([]publisher.Upload, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanUpload, `SELECT `+uploadColumns+` FROM uploads
		WHERE staging = ? AND digest = ? ORDER BY tag`, staging, digest)
	if err != nil {
		return nil, fmt.Errorf("listing uploads of %s@%s: %w", staging, digest, err)
	}
	return out, nil
}

// DueUploads returns the waiting uploads whose next attempt is at or before
// now, soonest first (ties by ID), at most limit; a limit below 1 returns
// none.
func (s *Store) DueUploads(ctx context.Context, now time.Time, limit int) ([]publisher.Upload, error) {
	if limit < 1 {
		return nil, nil
	}
	out, err := sqldb.QueryAll(ctx, s.db, scanUpload, `SELECT `+uploadColumns+` FROM uploads
		WHERE status = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
		publisher.UploadWaiting, storecodec.Time(now), limit)
	if err != nil {
		return nil, fmt.Errorf("listing due uploads: %w", err)
	}
	return out, nil
}

// scanUpload reads one row of uploadColumns.
func scanUpload(sc sqldb.Scanner) (publisher.Upload, error) {
	var (
		u                      publisher.Upload
		next, created, updated int64
	)
	err := sc.Scan(&u.ID, &u.Publisher, &u.Staging, &u.Target, &u.Tag, &u.Digest, &u.Status, &u.Reason,
		&u.Attempts, &next, &u.Pusher, &created, &updated)
	if err != nil {
		return publisher.Upload{}, err
	}
	u.NextAttemptAt = storecodec.ParseTime(next)
	u.CreatedAt, u.UpdatedAt = storecodec.ParseTime(created), storecodec.ParseTime(updated)
	return u, nil
}
