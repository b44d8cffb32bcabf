package sqlitestore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/licensing"
)

var _ licensing.ReferrerStore = (*Store)(nil)

// referrersSchema is the migration step that adds the registry gate's
// referrers index: one row per manifest pushed with a subject, listed per
// subject and per repository in push order.
const referrersSchema = `CREATE TABLE IF NOT EXISTS referrers (
		repository    TEXT NOT NULL,
		digest        TEXT NOT NULL,
		subject       TEXT NOT NULL,
		media_type    TEXT NOT NULL,
		size          INTEGER NOT NULL,
		artifact_type TEXT NOT NULL,
		annotations   TEXT NOT NULL,
		pushed_at     INTEGER NOT NULL,
		PRIMARY KEY (repository, digest)
	) STRICT;
	CREATE INDEX IF NOT EXISTS referrers_subject ON referrers (repository, subject, pushed_at, digest);
	CREATE INDEX IF NOT EXISTS referrers_pushed ON referrers (repository, pushed_at, digest)`

// referrerColumns lists the referrers columns in scanReferrer's order.
const referrerColumns = `repository, digest, subject, media_type, size, artifact_type, annotations, pushed_at`

// The referrers statements, kept together for the plan test.
const (
	putReferrer = `INSERT INTO referrers (` + referrerColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (repository, digest) DO UPDATE SET subject = excluded.subject,
			media_type = excluded.media_type, size = excluded.size, artifact_type = excluded.artifact_type,
			annotations = excluded.annotations, pushed_at = excluded.pushed_at`
	selectSubjectReferrers = `SELECT ` + referrerColumns + ` FROM referrers
		WHERE repository = ? AND subject = ? ORDER BY pushed_at, digest`
	selectRepositoryReferrers = `SELECT ` + referrerColumns + ` FROM referrers
		WHERE repository = ? ORDER BY pushed_at, digest`
	deleteReferrer = `DELETE FROM referrers WHERE repository = ? AND digest = ?`
)

// PutReferrer records r, replacing a referrer of the same repository and
// digest.
func (s *Store) PutReferrer(ctx context.Context, r licensing.Referrer) error {
	annotations, err := json.Marshal(r.Annotations)
	if err != nil {
		return fmt.Errorf("encoding the annotations of %s: %w", r.Digest, err)
	}
	_, err = sqldb.Exec(ctx, s.db, putReferrer, r.Repository, r.Digest, r.Subject, r.MediaType, r.Size,
		r.ArtifactType, string(annotations), storecodec.Time(r.PushedAt))
	if err != nil {
		return fmt.Errorf("recording referrer %s of %s in %s: %w", r.Digest, r.Subject, r.Repository, err)
	}
	return nil
}

// Referrers returns the repository's referrers of subject (all when
// subject is empty), oldest push first.
func (s *Store) Referrers(ctx context.Context, repository, subject string) ([]licensing.Referrer, error) {
	query, args := selectSubjectReferrers, []any{repository, subject}
	if subject == "" {
		query, args = selectRepositoryReferrers, []any{repository}
	}
	out, err := sqldb.QueryAll(ctx, s.db, scanReferrer, query, args...)
	if err != nil {
		return nil, fmt.Errorf("listing referrers of %s in %s: %w", subject, repository, err)
	}
	return out, nil
}

// DeleteReferrer forgets a referrer manifest of repository.
func (s *Store) DeleteReferrer(ctx context.Context, repository, digest string) error {
	if _, err := sqldb.Exec(ctx, s.db, deleteReferrer, repository, digest); err != nil {
		return fmt.Errorf("forgetting referrer %s in %s: %w", digest, repository, err)
	}
	return nil
}

func scanReferrer(sc sqldb.Scanner) (licensing.Referrer, error) {
	var (
		r           licensing.Referrer
		annotations string
		pushed      int64
	)
	err := sc.Scan(&r.Repository, &r.Digest, &r.Subject, &r.MediaType, &r.Size, &r.ArtifactType, &annotations, &pushed)
	if err != nil {
		return licensing.Referrer{}, err
	}
	if err := json.Unmarshal([]byte(annotations), &r.Annotations); err != nil {
		return licensing.Referrer{}, fmt.Errorf("annotations of %s: %w", r.Digest, err)
	}
	r.PushedAt = storecodec.ParseTime(pushed)
	return r, nil
}
