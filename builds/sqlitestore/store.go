// Package sqlitestore keeps build records and logs in the embedded SQLite
// database.
package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/berth/berth/builds"
	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
)

// schema is the builds domain's migration steps; append, never edit. A
// log is kept as chunks keyed by their byte offset.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS builds (
		id          TEXT PRIMARY KEY,
		repository  TEXT NOT NULL,
		rule        INTEGER NOT NULL,
		ref_type    TEXT NOT NULL,
		ref_name    TEXT NOT NULL,
		commit_id   TEXT NOT NULL,
		tags        TEXT NOT NULL,
		digest      TEXT NOT NULL,
		status      TEXT NOT NULL,
		triggered_by TEXT NOT NULL,
		error       TEXT NOT NULL,
		created_at  INTEGER NOT NULL,
		started_at  INTEGER NOT NULL,
		finished_at INTEGER NOT NULL
	) STRICT;
	CREATE INDEX IF NOT EXISTS builds_repository ON builds (repository, created_at DESC, id DESC);
	CREATE TABLE IF NOT EXISTS build_logs (
		build  TEXT NOT NULL,
		at     INTEGER NOT NULL,
		chunk  BLOB NOT NULL,
		PRIMARY KEY (build, at)
	) STRICT`,
	`ALTER TABLE builds ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
	CREATE TABLE IF NOT EXISTS build_settings (
		repository         TEXT PRIMARY KEY,
		url                TEXT NOT NULL,
		host_key           TEXT NOT NULL,
		rules              TEXT NOT NULL,
		links              TEXT NOT NULL,
		token              BLOB NOT NULL,
		deploy_key_public  TEXT NOT NULL,
		deploy_key_private BLOB NOT NULL,
		hook_secret        BLOB NOT NULL,
		updated_at         INTEGER NOT NULL
	) STRICT;
	CREATE TABLE IF NOT EXISTS build_slots (
		key    TEXT PRIMARY KEY,
		holder TEXT NOT NULL,
		until  INTEGER NOT NULL
	) STRICT`,
	// build_links indexes build_settings.links, written in the same
	// transaction: which repositories a push of "ns/repo:tag" rebuilds.
	`ALTER TABLE builds ADD COLUMN cause TEXT NOT NULL DEFAULT '[]';
	CREATE TABLE IF NOT EXISTS build_links (
		link       TEXT NOT NULL,
		repository TEXT NOT NULL,
		PRIMARY KEY (link, repository)
	) STRICT, WITHOUT ROWID;
	INSERT OR IGNORE INTO build_links (link, repository)
		SELECT j.value, s.repository FROM build_settings s, json_each(s.links) j`,
}

// Store implements builds.Store on SQLite.
type Store struct {
	db *sql.DB
}

var _ builds.Store = (*Store)(nil)

// New creates the builds tables if needed and returns a Store using db.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if err := sqldb.Migrate(ctx, db, "builds", schema); err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

const columns = `id, repository, rule, ref_type, ref_name, commit_id, tags, digest, status, triggered_by, error,
	created_at, started_at, finished_at, cause`

// readColumns are columns and the cancellation flag, which only
// RequestCancel writes.
const readColumns = columns + `, cancel_requested`

// args are r's values in columns' order.
func args(r builds.Record) []any {
	return []any{r.ID, r.Repository, r.Rule, string(r.Ref.Type), r.Ref.Name, r.Commit, sqldb.Strings(r.Tags),
		r.Digest, string(r.Status), string(r.Trigger), r.Error,
		storecodec.Time(r.CreatedAt), storecodec.Time(r.StartedAt), storecodec.Time(r.FinishedAt), sqldb.Strings(r.Cause)}
}

// AddBuild stores r.
func (s *Store) AddBuild(ctx context.Context, r builds.Record) error {
	_, err := sqldb.Exec(ctx, s.db, `INSERT INTO builds (`+columns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args(r)...)
	if _, dup := sqldb.UniqueViolation(err); dup {
		err = builds.ErrExists
	}
	if err != nil {
		return fmt.Errorf("adding build %s: %w", r.ID, err)
	}
	return nil
}

// UpdateBuild replaces r's stored fields but its ID and repository.
func (s *Store) UpdateBuild(ctx context.Context, r builds.Record) error {
	a := args(r)
	res, err := sqldb.Exec(ctx, s.db, `UPDATE builds SET rule = ?, ref_type = ?, ref_name = ?, commit_id = ?, tags = ?,
		digest = ?, status = ?, triggered_by = ?, error = ?, created_at = ?, started_at = ?, finished_at = ?,
		cause = ? WHERE id = ? AND repository = ?`, append(a[2:], r.ID, r.Repository)...)
	if err := sqldb.ChangedOne(res, err, builds.ErrNotFound); err != nil {
		return fmt.Errorf("updating build %s: %w", r.ID, err)
	}
	return nil
}

// Build returns one of repository's builds.
func (s *Store) Build(ctx context.Context, repository, id string) (builds.Record, error) {
	return sqldb.QueryOne(ctx, s.db, "build "+id, builds.ErrNotFound, scan,
		`SELECT `+readColumns+` FROM builds WHERE id = ? AND repository = ?`, id, repository)
}

// Builds lists repository's builds, newest first (ties by ID, descending).
func (s *Store) Builds(ctx context.Context, repository string, limit int) ([]builds.Record, error) {
	out, err := sqldb.QueryAll(ctx, s.db, scan, `SELECT `+readColumns+` FROM builds WHERE repository = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, repository, limit)
	if err != nil {
		return nil, fmt.Errorf("listing builds of %s: %w", repository, err)
	}
	return out, nil
}

// AppendLog stores a chunk at offset, once.
func (s *Store) AppendLog(ctx context.Context, id string, offset int64, chunk []byte) error {
	_, err := sqldb.Exec(ctx, s.db, `INSERT INTO build_logs (build, at, chunk) VALUES (?, ?, ?)
		ON CONFLICT (build, at) DO NOTHING`, id, offset, chunk)
	if err != nil {
		return fmt.Errorf("appending to the log of build %s: %w", id, err)
	}
	return nil
}

// Log joins the chunks from offset on.
func (s *Store) Log(ctx context.Context, id string, offset int64) ([]byte, error) {
	type chunk struct {
		at   int64
		data []byte
	}
	chunks, err := sqldb.QueryAll(ctx, s.db, func(sc sqldb.Scanner) (chunk, error) {
		var c chunk
		return c, sc.Scan(&c.at, &c.data)
	}, `SELECT at, chunk FROM build_logs WHERE build = ? AND at + length(chunk) > ? ORDER BY at`, id, offset)
	if err != nil {
		return nil, fmt.Errorf("reading the log of build %s: %w", id, err)
	}
	var out []byte
	for _, c := range chunks {
		out = append(out, c.data[max(0, offset-c.at):]...)
	}
	return out, nil
}

// scan reads one row of columns.
func scan(sc sqldb.Scanner) (builds.Record, error) {
	var (
		r                          builds.Record
		refType, tags, st, trig    string
		cause                      string
		created, started, finished int64
	)
	if err := sc.Scan(&r.ID, &r.Repository, &r.Rule, &refType, &r.Ref.Name, &r.Commit, &tags, &r.Digest, &st, &trig,
		&r.Error, &created, &started, &finished, &cause, &r.CancelRequested); err != nil {
		return builds.Record{}, err
	}
	var err error
	if r.Tags, err = sqldb.ParseStrings(tags); err != nil {
		return builds.Record{}, fmt.Errorf("tags of build %s: %w", r.ID, err)
	}
	if r.Cause, err = sqldb.ParseStrings(cause); err != nil {
		return builds.Record{}, fmt.Errorf("cause of build %s: %w", r.ID, err)
	}
	r.Ref.Type, r.Status, r.Trigger = builds.RuleType(refType), builds.Status(st), builds.Trigger(trig)
	r.CreatedAt, r.StartedAt, r.FinishedAt = storecodec.ParseTime(created), storecodec.ParseTime(started), storecodec.ParseTime(finished)
	return r, nil
}
