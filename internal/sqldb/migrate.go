package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// createVersions creates the table that records, per domain, how many schema
// steps have been applied.
const createVersions = `CREATE TABLE IF NOT EXISTS schema_versions (
	domain  TEXT PRIMARY KEY,
	version INTEGER NOT NULL
) STRICT`

// Migrate brings domain's tables up to date: steps[i] moves the schema from
// version i to i+1, and only the steps past the recorded version run, all in
// one transaction with the version update. Steps are append-only: never edit
// or reorder one that has shipped. Domains sharing one database file keep
// separate versions, so each store migrates independently and idempotently.
func Migrate(ctx context.Context, db *sql.DB, domain string, steps []string) error {
	if _, err := db.ExecContext(ctx, createVersions); err != nil {
		return fmt.Errorf("creating schema_versions: %w", err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrating %s schema: %w", domain, err)
	}
	defer func() { _ = tx.Rollback() }()

	var version int
	err = tx.QueryRowContext(ctx,
		`SELECT version FROM schema_versions WHERE domain = ?`, domain).Scan(&version)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("reading %s schema version: %w", domain, err)
	}
	if version > len(steps) {
		return fmt.Errorf("%s schema version %d is newer than this binary knows (%d)",
			domain, version, len(steps))
	}
	for i := version; i < len(steps); i++ {
		if _, err := tx.ExecContext(ctx, steps[i]); err != nil {
			return fmt.Errorf("applying %s schema step %d: %w", domain, i+1, err)
		}
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO schema_versions (domain, version) VALUES (?, ?)
		ON CONFLICT (domain) DO UPDATE SET version = excluded.version`, domain, len(steps))
	if err != nil {
		return fmt.Errorf("recording %s schema version: %w", domain, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrating %s schema: %w", domain, err)
	}
	return nil
}
