// Package sqlitestore keeps the offline advisory database in the embedded
// SQLite database.
package sqlitestore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/scanning"
)

// schema is the scanning domain's migration steps; append, never edit.
// vulndb_keys is the ecosystem+package index: one row per record and
// package it names, its primary key the lookup's order.
var schema = []string{
	`CREATE TABLE IF NOT EXISTS vulndb_records (
		id       TEXT PRIMARY KEY,
		digest   TEXT NOT NULL,
		modified INTEGER NOT NULL,
		keys     TEXT NOT NULL,
		raw      BLOB NOT NULL
	) STRICT;
	CREATE TABLE IF NOT EXISTS vulndb_keys (
		pkg TEXT NOT NULL,
		id  TEXT NOT NULL,
		PRIMARY KEY (pkg, id)
	) STRICT, WITHOUT ROWID;
	CREATE INDEX IF NOT EXISTS vulndb_keys_id ON vulndb_keys (id)`,
}

// Store implements scanning.Store on SQLite.
type Store struct {
	db *sql.DB
}

var _ scanning.Store = (*Store)(nil)

// New creates the tables if needed and returns a Store using db.
func New(ctx context.Context, db *sql.DB) (*Store, error) {
	if err := sqldb.Migrate(ctx, db, "scanning", schema); err != nil {
		return nil, err
	}
	return &Store{db: db}, nil
}

// Digests returns every record's ID and digest.
func (s *Store) Digests(ctx context.Context) (map[string]string, error) {
	rows, err := sqldb.Query(ctx, s.db, `SELECT id, digest FROM vulndb_records`)
	if err != nil {
		return nil, fmt.Errorf("reading advisory digests: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := map[string]string{}
	for rows.Next() {
		var id, d string
		if err := rows.Scan(&id, &d); err != nil {
			return nil, fmt.Errorf("reading advisory digests: %w", err)
		}
		out[id] = d
	}
	return out, rows.Err()
}

// Put replaces each record and its index rows in one transaction, so a
// failed import leaves the database as it was.
func (s *Store) Put(ctx context.Context, recs []scanning.Record) error {
	if len(recs) == 0 {
		return nil
	}
	return sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		for _, r := range recs {
			keys := make([]string, len(r.Keys))
			for i, k := range r.Keys {
				keys[i] = k.String()
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM vulndb_keys WHERE id = ?`, r.ID); err != nil {
				return fmt.Errorf("storing advisory %s: %w", r.ID, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO vulndb_records (id, digest, modified, keys, raw)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET digest = excluded.digest,
				modified = excluded.modified, keys = excluded.keys, raw = excluded.raw`,
				r.ID, r.Digest, storecodec.Time(r.Modified), sqldb.Strings(keys), r.Raw); err != nil {
				return fmt.Errorf("storing advisory %s: %w", r.ID, err)
			}
			for _, k := range storecodec.Distinct(keys) {
				if _, err := tx.ExecContext(ctx, `INSERT INTO vulndb_keys (pkg, id) VALUES (?, ?)`, k, r.ID); err != nil {
					return fmt.Errorf("indexing advisory %s: %w", r.ID, err)
				}
			}
		}
		return nil
	})
}

// Delete removes records and their index rows.
func (s *Store) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	return sqldb.InTx(ctx, s.db, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `DELETE FROM vulndb_keys WHERE id = ?`, id); err != nil {
				return fmt.Errorf("removing advisory %s: %w", id, err)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM vulndb_records WHERE id = ?`, id); err != nil {
				return fmt.Errorf("removing advisory %s: %w", id, err)
			}
		}
		return nil
	})
}

// Get returns the records with these IDs.
func (s *Store) Get(ctx context.Context, ids []string) ([]scanning.Record, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	recs, err := sqldb.QueryAll(ctx, s.db, scan, `SELECT `+columns+` FROM vulndb_records WHERE id IN (`+marks(len(ids))+`) ORDER BY id`, anys(ids)...)
	if err != nil {
		return nil, fmt.Errorf("reading advisories: %w", err)
	}
	return recs, nil
}

// Lookup returns the records indexed under keys, each once.
func (s *Store) Lookup(ctx context.Context, keys []scanning.PackageKey) ([]scanning.Record, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k.String()
	}
	recs, err := sqldb.QueryAll(ctx, s.db, scan, `SELECT `+columns+` FROM vulndb_records WHERE id IN
		(SELECT id FROM vulndb_keys WHERE pkg IN (`+marks(len(keys))+`)) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("looking up advisories: %w", err)
	}
	return recs, nil
}

const columns = `id, digest, modified, keys, raw`

func scan(sc sqldb.Scanner) (scanning.Record, error) {
	var r scanning.Record
	var modified int64
	var keys string
	if err := sc.Scan(&r.ID, &r.Digest, &modified, &keys, &r.Raw); err != nil {
		return r, err
	}
	r.Modified = storecodec.ParseTime(modified)
	ks, err := sqldb.ParseStrings(keys)
	if err != nil {
		return r, err
	}
	for _, k := range ks {
		pk, err := scanning.ParsePackageKey(k)
		if err != nil {
			return r, err
		}
		r.Keys = append(r.Keys, pk)
	}
	return r, nil
}

func marks(n int) string { return strings.Repeat(", ?", n)[2:] }

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
