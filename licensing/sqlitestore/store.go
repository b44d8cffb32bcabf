// Package sqlitestore keeps licenses, token keys, refresh tokens and usage
// (seats, token audit records, pulls, pull counts, tag releases) in the
// embedded SQLite database.
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

// schema is the licensing domain's migration steps; append, never edit.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS licenses (
		id           TEXT PRIMARY KEY,
		key_hash     TEXT NOT NULL UNIQUE,
		key_hint     TEXT NOT NULL,
		owner        TEXT NOT NULL,
		product      TEXT NOT NULL,
		tier         TEXT NOT NULL,
		repositories TEXT NOT NULL,
		status       TEXT NOT NULL,
		created_at   INTEGER NOT NULL,
		expires_at   INTEGER NOT NULL,
		revoked_at   INTEGER NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS licenses_owner ON licenses (owner, created_at DESC);
	CREATE TABLE IF NOT EXISTS token_keys (
		id          TEXT PRIMARY KEY,
		kind        TEXT NOT NULL,
		private_der BLOB NOT NULL,
		cert_der    BLOB NOT NULL,
		created_at  INTEGER NOT NULL,
		retired_at  INTEGER NOT NULL
	) STRICT`,
	// Refresh tokens (see refresh.go): listed per user newest first, and
	// removed with the access token or license they came from.
	`CREATE TABLE IF NOT EXISTS refresh_tokens (
		id           TEXT PRIMARY KEY,
		token_hash   TEXT NOT NULL UNIQUE,
		hint         TEXT NOT NULL,
		kind         TEXT NOT NULL,
		user_id      TEXT NOT NULL,
		credential   TEXT NOT NULL,
		client_id    TEXT NOT NULL,
		created_at   INTEGER NOT NULL,
		last_used_at INTEGER NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS refresh_tokens_user ON refresh_tokens (user_id, created_at DESC);
	CREATE INDEX IF NOT EXISTS refresh_tokens_credential ON refresh_tokens (credential)`,
	// Entitlement terms copied from the tier; licenses issued before them
	// read back as unlimited.
	`ALTER TABLE licenses ADD COLUMN trial INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE licenses ADD COLUMN seats INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE licenses ADD COLUMN versions TEXT NOT NULL DEFAULT '';
	ALTER TABLE licenses ADD COLUMN tag_pattern TEXT NOT NULL DEFAULT '';
	ALTER TABLE licenses ADD COLUMN perpetual INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE licenses ADD COLUMN quota_pulls INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE licenses ADD COLUMN quota_period TEXT NOT NULL DEFAULT ''`,
	usageSchema,
	// The order that bought a license and the tier terms its holder
	// accepted; licenses issued before them read back with neither.
	`ALTER TABLE licenses ADD COLUMN order_id TEXT NOT NULL DEFAULT '';
	ALTER TABLE licenses ADD COLUMN terms_version INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE licenses ADD COLUMN terms_accepted_at INTEGER NOT NULL DEFAULT 0`,
	// A product's licenses, listed newest first.
	`CREATE INDEX IF NOT EXISTS licenses_product ON licenses (product, created_at DESC)`,
	referrersSchema,
	// The licenses' version (licensing.Store.LicensesVersion): one row,
	// increased by triggers in the same transaction as any change to a
	// license or its removal, so that no writer can forget it.
	`CREATE TABLE IF NOT EXISTS licenses_version (
		id      INTEGER PRIMARY KEY CHECK (id = 1),
		version INTEGER NOT NULL
	) STRICT;
	INSERT INTO licenses_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
	CREATE TRIGGER IF NOT EXISTS licenses_version_bump AFTER UPDATE ON licenses
	BEGIN
		UPDATE licenses_version SET version = version + 1 WHERE id = 1;
	END;
	CREATE TRIGGER IF NOT EXISTS licenses_version_bump_delete AFTER DELETE ON licenses
	BEGIN
		UPDATE licenses_version SET version = version + 1 WHERE id = 1;
	END`,
	handoverSchema,
}

// Store implements licensing.Store, licensing.RefreshStore,
// licensing.UsageStore and licensing.ReferrerStore on SQLite.
type Store struct {
	db *sql.DB
}

var _ licensing.Store = (*Store)(nil)

// New creates the licensing tables if needed and returns a Store using db.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if err := sqldb.Migrate(ctx, db, "licensing", schema); err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// licenseColumns lists the licenses columns in scanLicense's order.
const licenseColumns = `id, key_hash, key_hint, owner, product, tier, repositories,
	status, trial, seats, versions, tag_pattern, perpetual, quota_pulls, quota_period,
	order_id, terms_version, terms_accepted_at, created_at, expires_at, revoked_at`

// CreateLicense inserts l; a duplicate ID or key hash yields
// licensing.ErrConflict.
func (s *Store) CreateLicense(ctx context.Context, l licensing.License) error {
	_, err := sqldb.Exec(ctx, s.db, `INSERT INTO licenses (`+licenseColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.ID, l.KeyHash, l.KeyHint, l.Owner, l.Product, l.Tier, sqldb.Strings(l.Repositories),
		l.Status, l.Trial, l.Seats, l.Entitlement.Versions, l.Entitlement.TagPattern,
		l.Entitlement.Perpetual, l.Quota.Pulls, l.Quota.Period,
		l.OrderID, l.TermsVersion, storecodec.Time(l.TermsAcceptedAt),
		storecodec.Time(l.CreatedAt), storecodec.Time(l.ExpiresAt), storecodec.Time(l.RevokedAt))
	if column, ok := sqldb.UniqueViolation(err); ok {
		return fmt.Errorf("creating license %s: duplicate %s: %w", l.ID, column, licensing.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("creating license %s: %w", l.ID, err)
	}
	return nil
}

// LicenseByID returns the license or licensing.ErrNotFound.
func (s *Store) LicenseByID(ctx context.Context, id string) (licensing.License, error) {
	l, err := scanLicense(sqldb.QueryRow(ctx, s.db,
		`SELECT `+licenseColumns+` FROM licenses WHERE id = ?`, id))
	if err != nil {
		return licensing.License{}, fmt.Errorf("reading license %s: %w", id, err)
	}
	return l, nil
}

// LicenseByKeyHash returns the license whose key hashes to h, or
// licensing.ErrNotFound. The hash stays out of error messages.
func (s *Store) LicenseByKeyHash(ctx context.Context, h string) (licensing.License, error) {
	l, err := scanLicense(sqldb.QueryRow(ctx, s.db,
		`SELECT `+licenseColumns+` FROM licenses WHERE key_hash = ?`, h))
	if err != nil {
		return licensing.License{}, fmt.Errorf("reading license by key: %w", err)
	}
	return l, nil
}

// LicensesByOwner returns owner's licenses, newest first.
func (s *Store) LicensesByOwner(ctx context.Context, owner string) ([]licensing.License, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scanLicense, `SELECT `+licenseColumns+` FROM licenses
		WHERE owner = ? ORDER BY created_at DESC, id DESC`, owner)
	if err != nil {
		return nil, fmt.Errorf("listing licenses of %s: %w", owner, err)
	}
	return out, nil
}

// selectProductLicenses lists a product's licenses newest first through
// licenses_product, at most its second argument.
const selectProductLicenses = `SELECT ` + licenseColumns + ` FROM licenses
	WHERE product = ? ORDER BY created_at DESC, id DESC LIMIT ?`

// LicensesByProduct returns product's licenses, newest first, at most
// limit; a limit below 1 returns none.
func (s *Store) LicensesByProduct(ctx context.Context, product string, limit int) ([]licensing.License, error) {
	if limit < 1 {
		return nil, nil
	}
	out, err := sqldb.QueryAll(ctx, s.db, scanLicense, selectProductLicenses, product, limit)
	if err != nil {
		return nil, fmt.Errorf("listing licenses of product %s: %w", product, err)
	}
	return out, nil
}

// SetLicenseStatus changes a license's status in one statement; revoking
// records RevokedAt = at, other statuses leave RevokedAt as it was.
func (s *Store) SetLicenseStatus(ctx context.Context, id string, st licensing.Status, at time.Time) (licensing.License, error) {
	l, err := scanLicense(sqldb.QueryRow(ctx, s.db, `UPDATE licenses SET status = ?,
		revoked_at = CASE WHEN ? THEN ? ELSE revoked_at END
		WHERE id = ? RETURNING `+licenseColumns,
		st, st == licensing.StatusRevoked, storecodec.Time(at), id))
	if err != nil {
		return licensing.License{}, fmt.Errorf("setting license %s to %s: %w", id, st, err)
	}
	return l, nil
}

// UpdateLicense replaces every field of the stored license but ID, Owner
// and CreatedAt with l's in one statement, or returns licensing.ErrNotFound;
// a key hash another license has yields licensing.ErrConflict.
func (s *Store) UpdateLicense(ctx context.Context, l licensing.License) error {
	res, err := sqldb.Exec(ctx, s.db, `UPDATE licenses SET key_hash = ?, key_hint = ?,
		product = ?, tier = ?, repositories = ?, status = ?, trial = ?, seats = ?,
		versions = ?, tag_pattern = ?, perpetual = ?, quota_pulls = ?, quota_period = ?,
		order_id = ?, terms_version = ?, terms_accepted_at = ?, expires_at = ?, revoked_at = ?
		WHERE id = ?`,
		l.KeyHash, l.KeyHint, l.Product, l.Tier, sqldb.Strings(l.Repositories),
		l.Status, l.Trial, l.Seats, l.Entitlement.Versions, l.Entitlement.TagPattern,
		l.Entitlement.Perpetual, l.Quota.Pulls, l.Quota.Period,
		l.OrderID, l.TermsVersion, storecodec.Time(l.TermsAcceptedAt),
		storecodec.Time(l.ExpiresAt), storecodec.Time(l.RevokedAt), l.ID)
	if column, ok := sqldb.UniqueViolation(err); ok {
		return fmt.Errorf("updating license %s: duplicate %s: %w", l.ID, column, licensing.ErrConflict)
	}
	if err := sqldb.ChangedOne(res, err, licensing.ErrNotFound); err != nil {
		return fmt.Errorf("updating license %s: %w", l.ID, err)
	}
	return nil
}

// LicensesVersion returns the counter the licenses_version_bump trigger
// increases with every change to a license.
func (s *Store) LicensesVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := sqldb.QueryRow(ctx, s.db, `SELECT version FROM licenses_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("reading the licenses' version: %w", err)
	}
	return v, nil
}

// scanLicense reads one row of licenseColumns; no row is licensing.ErrNotFound.
func scanLicense(sc sqldb.Scanner) (licensing.License, error) {
	var (
		l                           licensing.License
		repos                       string
		created, expires, revokedAt int64
		termsAccepted               int64
	)
	err := sc.Scan(&l.ID, &l.KeyHash, &l.KeyHint, &l.Owner, &l.Product, &l.Tier, &repos,
		&l.Status, &l.Trial, &l.Seats, &l.Entitlement.Versions, &l.Entitlement.TagPattern,
		&l.Entitlement.Perpetual, &l.Quota.Pulls, &l.Quota.Period,
		&l.OrderID, &l.TermsVersion, &termsAccepted,
		&created, &expires, &revokedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return licensing.License{}, licensing.ErrNotFound
	}
	if err != nil {
		return licensing.License{}, err
	}
	if l.Repositories, err = sqldb.ParseStrings(repos); err != nil {
		return licensing.License{}, fmt.Errorf("repositories: %w", err)
	}
	l.TermsAcceptedAt = storecodec.ParseTime(termsAccepted)
	l.CreatedAt, l.ExpiresAt, l.RevokedAt = storecodec.ParseTime(created), storecodec.ParseTime(expires), storecodec.ParseTime(revokedAt)
	return l, nil
}
