// Package sqlitestore keeps publishers, their signing keys and uploads in the
// embedded SQLite database. A publisher's namespaces live in
// publisher_namespaces, whose primary key makes a namespace belong to at most
// one publisher; its members live in publisher_members and its roles in
// publisher_roles, both indexed by user for PublishersByMember and
// PublishersByUser. Keys live in publisher_keys, uploads in uploads, withdrawals of promoted
// tags in withdrawals.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/publisher"
)

// schema is the publisher domain's migration steps; append, never edit.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS publishers (
		id         TEXT PRIMARY KEY,
		slug       TEXT NOT NULL UNIQUE,
		name       TEXT NOT NULL,
		verified   INTEGER NOT NULL,
		created_at INTEGER NOT NULL
	) STRICT;
	CREATE TABLE IF NOT EXISTS publisher_namespaces (
		namespace    TEXT PRIMARY KEY,
		publisher_id TEXT NOT NULL REFERENCES publishers (id) ON DELETE CASCADE,
		position     INTEGER NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS publisher_namespaces_publisher
		ON publisher_namespaces (publisher_id, position);
	CREATE TABLE IF NOT EXISTS publisher_members (
		publisher_id TEXT NOT NULL REFERENCES publishers (id) ON DELETE CASCADE,
		user_id      TEXT NOT NULL,
		position     INTEGER NOT NULL,
		PRIMARY KEY (publisher_id, user_id)
	) STRICT;
	CREATE INDEX IF NOT EXISTS publisher_members_user ON publisher_members (user_id)`,
	// Applications, roles, signing keys and uploads. Publishers from before
	// applications existed are approved. Keys and uploads name their
	// publisher without a foreign key, as in the MongoDB store.
	`ALTER TABLE publishers ADD COLUMN org TEXT NOT NULL DEFAULT '';
	ALTER TABLE publishers ADD COLUMN status TEXT NOT NULL DEFAULT 'approved';
	ALTER TABLE publishers ADD COLUMN review_note TEXT NOT NULL DEFAULT '';
	ALTER TABLE publishers ADD COLUMN applied_at INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE publishers ADD COLUMN reviewed_at INTEGER NOT NULL DEFAULT 0;
	CREATE INDEX IF NOT EXISTS publishers_status ON publishers (status, applied_at);
	CREATE TABLE IF NOT EXISTS publisher_roles (
		publisher_id TEXT NOT NULL REFERENCES publishers (id) ON DELETE CASCADE,
		user_id      TEXT NOT NULL,
		role         TEXT NOT NULL,
		PRIMARY KEY (publisher_id, user_id)
	) STRICT;
	CREATE INDEX IF NOT EXISTS publisher_roles_user ON publisher_roles (user_id);
	CREATE TABLE IF NOT EXISTS publisher_keys (
		publisher_id TEXT NOT NULL,
		id           TEXT NOT NULL,
		name         TEXT NOT NULL,
		pem          TEXT NOT NULL,
		created_at   INTEGER NOT NULL,
		revoked_at   INTEGER NOT NULL,
		PRIMARY KEY (publisher_id, id)
	) STRICT;
	CREATE TABLE IF NOT EXISTS uploads (
		id              TEXT PRIMARY KEY,
		publisher_id    TEXT NOT NULL,
		staging         TEXT NOT NULL,
		target          TEXT NOT NULL,
		tag             TEXT NOT NULL,
		digest          TEXT NOT NULL,
		status          TEXT NOT NULL,
		reason          TEXT NOT NULL,
		attempts        INTEGER NOT NULL,
		next_attempt_at INTEGER NOT NULL,
		pusher          TEXT NOT NULL,
		created_at      INTEGER NOT NULL,
		updated_at      INTEGER NOT NULL
	) STRICT;
	CREATE UNIQUE INDEX IF NOT EXISTS uploads_staging_tag_digest ON uploads (staging, tag, digest);
	CREATE INDEX IF NOT EXISTS uploads_publisher_created ON uploads (publisher_id, created_at DESC);
	CREATE INDEX IF NOT EXISTS uploads_staging_digest ON uploads (staging, digest);
	CREATE INDEX IF NOT EXISTS uploads_due ON uploads (status, next_attempt_at)`,
	// Who applied, for the caps on pending applications, and who
	// registered each key.
	`ALTER TABLE publishers ADD COLUMN applicant TEXT NOT NULL DEFAULT '';
	CREATE INDEX IF NOT EXISTS publishers_org ON publishers (org);
	CREATE INDEX IF NOT EXISTS publishers_applicant ON publishers (applicant);
	ALTER TABLE publisher_keys ADD COLUMN created_by TEXT NOT NULL DEFAULT ''`,
	// Withdrawals of promoted tags: one per repository, tag and digest.
	`CREATE TABLE IF NOT EXISTS withdrawals (
		id           TEXT PRIMARY KEY,
		publisher_id TEXT NOT NULL,
		repository   TEXT NOT NULL,
		tag          TEXT NOT NULL,
		digest       TEXT NOT NULL,
		reason       TEXT NOT NULL,
		by_user      TEXT NOT NULL,
		at           INTEGER NOT NULL,
		done         INTEGER NOT NULL
	) STRICT;
	CREATE UNIQUE INDEX IF NOT EXISTS withdrawals_repository_tag_digest ON withdrawals (repository, tag, digest);
	CREATE INDEX IF NOT EXISTS withdrawals_repository_at ON withdrawals (repository, at DESC);
	CREATE INDEX IF NOT EXISTS withdrawals_publisher_at ON withdrawals (publisher_id, at DESC)`,
	// Public profiles: a description and a logo, whose bytes live apart
	// so that reading a publisher does not read them.
	`ALTER TABLE publishers ADD COLUMN description TEXT NOT NULL DEFAULT '';
	ALTER TABLE publishers ADD COLUMN logo_tag TEXT NOT NULL DEFAULT '';
	CREATE TABLE IF NOT EXISTS publisher_logos (
		publisher_id TEXT PRIMARY KEY,
		type         TEXT NOT NULL,
		bytes        BLOB NOT NULL
	) STRICT`,
	// Build keys: keys Berth holds, their private halves sealed with the
	// key-encryption key.
	`ALTER TABLE publisher_keys ADD COLUMN berth_held INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE publisher_keys ADD COLUMN sealed BLOB NOT NULL DEFAULT x''`,
}

// Store implements publisher.Store on SQLite.
type Store struct {
	db *sql.DB
}

var (
	_ publisher.Store           = (*Store)(nil)
	_ publisher.WithdrawalStore = (*Store)(nil)
)

// New creates the publisher tables if needed and returns a Store using db.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if err := sqldb.Migrate(ctx, db, "publisher", schema); err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// PutPublisher inserts p, or replaces the publisher with p's slug while
// keeping its ID and CreatedAt, in one transaction. An empty ID on insert is
// filled in, an empty Status is approved; repeated namespaces and members
// are stored once, and with Roles set Members are its owners and editors.
func (s *Store) PutPublisher(ctx context.Context, p publisher.Publisher) (publisher.Publisher, error) {
	p.Namespaces, p.Members = storecodec.Distinct(p.Namespaces), publisher.PushMembers(p)
	if p.Status == "" {
		p.Status = publisher.StatusApproved
	}
	err := sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		var err error
		if p, err = upsertPublisher(ctx, tx, p); err != nil {
			return err
		}
		return replaceLists(ctx, tx, p)
	})
	if err != nil {
		return publisher.Publisher{}, fmt.Errorf("putting publisher %s: %w", p.Slug, err)
	}
	return p, nil
}

// upsertPublisher writes p's publishers row and returns p with the kept
// fields of an existing publisher.
func upsertPublisher(ctx context.Context, tx *sql.Tx, p publisher.Publisher) (publisher.Publisher, error) {
	var created int64
	err := tx.QueryRowContext(ctx, `SELECT id, created_at FROM publishers WHERE slug = ?`, p.Slug).
		Scan(&p.ID, &created)
	if err == nil {
		p.CreatedAt = storecodec.ParseTime(created)
		_, err = tx.ExecContext(ctx, `UPDATE publishers SET name = ?, verified = ?, org = ?, applicant = ?,
			status = ?, review_note = ?, applied_at = ?, reviewed_at = ?, description = ?, logo_tag = ? WHERE id = ?`,
			p.Name, p.Verified, p.Org, p.Applicant, p.Status, p.ReviewNote,
			storecodec.Time(p.AppliedAt), storecodec.Time(p.ReviewedAt), p.Description, p.LogoTag, p.ID)
		return p, err
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return p, err
	}
	if p.ID == "" {
		p.ID = secret.ID()
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO publishers (id, slug, name, verified, org, applicant, status,
		review_note, applied_at, reviewed_at, created_at, description, logo_tag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.Slug, p.Name, p.Verified, p.Org, p.Applicant, p.Status, p.ReviewNote,
		storecodec.Time(p.AppliedAt), storecodec.Time(p.ReviewedAt), storecodec.Time(p.CreatedAt), p.Description, p.LogoTag)
	if column, ok := sqldb.UniqueViolation(err); ok {
		return p, fmt.Errorf("duplicate %s %q: %w", column, p.ID, err)
	}
	return p, err
}

// replaceLists makes p's namespaces and members, in order, and its roles the
// stored ones.
func replaceLists(ctx context.Context, tx *sql.Tx, p publisher.Publisher) error {
	for _, table := range []string{"publisher_namespaces", "publisher_members", "publisher_roles"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE publisher_id = ?`, p.ID); err != nil {
			return err
		}
	}
	for i, ns := range p.Namespaces {
		_, err := tx.ExecContext(ctx, `INSERT INTO publisher_namespaces
			(namespace, publisher_id, position) VALUES (?, ?, ?)`, ns, p.ID, i)
		if _, ok := sqldb.UniqueViolation(err); ok {
			return fmt.Errorf("namespace %s: %w", ns, publisher.ErrNamespaceTaken)
		}
		if err != nil {
			return err
		}
	}
	for i, user := range p.Members {
		_, err := tx.ExecContext(ctx, `INSERT INTO publisher_members
			(publisher_id, user_id, position) VALUES (?, ?, ?)`, p.ID, user, i)
		if err != nil {
			return err
		}
	}
	for user, role := range p.Roles {
		_, err := tx.ExecContext(ctx, `INSERT INTO publisher_roles
			(publisher_id, user_id, role) VALUES (?, ?, ?)`, p.ID, user, role)
		if err != nil {
			return err
		}
	}
	return nil
}
