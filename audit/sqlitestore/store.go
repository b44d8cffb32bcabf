// Package sqlitestore keeps the security audit log in the embedded SQLite
// database.
package sqlitestore

import (
	"context"
	"database/sql"

	"github.com/berth/berth/audit"
	"github.com/berth/berth/internal/sqldb"
)

// schema is the audit domain's migration steps; append, never edit.
//
// Events are keyed (at, id), so that the newest-first listing of every
// event and the sweep read the table in key order. An event's organisations
// are kept twice: as a JSON list (sqldb.Strings) read with the event, and as
// one audit_event_orgs row per organisation, keyed (org_id, at, event_id),
// through which an owner's listing reads newest first without a scan or a
// sort. Triggers keep the two in step, so that adding an event and sweeping
// old ones are each one statement, atomic without a transaction. Listings
// by actor and by action have their own indexes.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS audit_events (
		id         TEXT NOT NULL,
		at         INTEGER NOT NULL,
		action     TEXT NOT NULL,
		actor_id   TEXT NOT NULL,
		actor_name TEXT NOT NULL,
		credential TEXT NOT NULL,
		address    TEXT NOT NULL,
		outcome    TEXT NOT NULL,
		target     TEXT NOT NULL,
		orgs       TEXT NOT NULL,
		detail     TEXT NOT NULL,
		PRIMARY KEY (at, id)
	) STRICT, WITHOUT ROWID;
	CREATE INDEX IF NOT EXISTS audit_events_actor ON audit_events (actor_id, at, id);
	CREATE INDEX IF NOT EXISTS audit_events_action ON audit_events (action, at, id);
	CREATE TABLE IF NOT EXISTS audit_event_orgs (
		org_id   TEXT NOT NULL,
		at       INTEGER NOT NULL,
		event_id TEXT NOT NULL,
		PRIMARY KEY (org_id, at, event_id)
	) STRICT, WITHOUT ROWID;
	CREATE TRIGGER IF NOT EXISTS audit_events_add_orgs AFTER INSERT ON audit_events BEGIN
		INSERT INTO audit_event_orgs (org_id, at, event_id)
			SELECT value, NEW.at, NEW.id FROM json_each(NEW.orgs);
	END;
	CREATE TRIGGER IF NOT EXISTS audit_events_delete_orgs AFTER DELETE ON audit_events BEGIN
		DELETE FROM audit_event_orgs WHERE at = OLD.at AND event_id = OLD.id
			AND org_id IN (SELECT value FROM json_each(OLD.orgs));
	END`,
}

// Store implements audit.Store on SQLite.
type Store struct {
	db *sql.DB
}

var _ audit.Store = (*Store)(nil)

// New creates the audit tables if needed and returns a Store using db.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if err := sqldb.Migrate(ctx, db, "audit", schema); err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}
