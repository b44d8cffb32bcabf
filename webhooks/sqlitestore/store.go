// Package sqlitestore keeps publishers' webhook endpoints and deliveries in
// the embedded SQLite database.
package sqlitestore

import (
	"context"
	"database/sql"

	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/webhooks"
)

// schema is the webhooks domain's migration steps; append, never edit.
//
// An endpoint's events are a JSON list (sqldb.Strings): they are only ever
// read with the endpoint, never searched. Deliveries name their endpoint
// without a foreign key, as in the MongoDB store.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS webhook_endpoints (
		id         TEXT PRIMARY KEY,
		publisher  TEXT NOT NULL,
		url        TEXT NOT NULL,
		events     TEXT NOT NULL,
		created_at INTEGER NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS webhook_endpoints_publisher
		ON webhook_endpoints (publisher, created_at, id);
	CREATE TABLE IF NOT EXISTS webhook_deliveries (
		id              TEXT PRIMARY KEY,
		endpoint        TEXT NOT NULL,
		publisher       TEXT NOT NULL,
		event           TEXT NOT NULL,
		payload         BLOB NOT NULL,
		status          TEXT NOT NULL,
		attempts        INTEGER NOT NULL,
		next_attempt_at INTEGER NOT NULL,
		last_status     INTEGER NOT NULL,
		last_error      TEXT NOT NULL,
		created_at      INTEGER NOT NULL,
		updated_at      INTEGER NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS webhook_deliveries_endpoint
		ON webhook_deliveries (endpoint, created_at DESC, id DESC);
	CREATE INDEX IF NOT EXISTS webhook_deliveries_due
		ON webhook_deliveries (status, next_attempt_at, id)`,
	// Deliveries run on the job queue: nothing lists due deliveries.
	`DROP INDEX IF EXISTS webhook_deliveries_due`,
}

// Store implements webhooks.Store on SQLite.
type Store struct {
	db *sql.DB
}

var _ webhooks.Store = (*Store)(nil)

// New creates the webhooks tables if needed and returns a Store using db.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if err := sqldb.Migrate(ctx, db, "webhooks", schema); err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}
