// Package sqldb opens the embedded SQLite database (modernc.org/sqlite, no
// cgo) that every domain's sqlitestore shares, and holds the few helpers those
// stores have in common: schema versioning, transactions, reading every row of
// a query or its one row, constraint-error decoding and the encoding of string
// lists. Time encodings, shared with the MongoDB stores, live in
// internal/storecodec.
package sqldb

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// pragmas are applied by the driver to every new connection. WAL lets readers
// run beside the single writer; busy_timeout makes a writer wait for the lock
// instead of failing at once; synchronous=NORMAL is durable enough under WAL
// (a power cut may lose the last commits, never corrupt the file).
var pragmas = []string{
	"busy_timeout(5000)",
	"journal_mode(WAL)",
	"foreign_keys(1)",
	"synchronous(NORMAL)",
}

// Open opens (creating if needed) the SQLite database file at path and checks
// that it can be used. Transactions begin IMMEDIATE, taking the write lock up
// front: a deferred transaction that later upgrades to writing can fail with
// SQLITE_BUSY regardless of busy_timeout. Open needs a file path; an in-memory
// database would be a different, empty one on every pooled connection.
func Open(path string) (*sql.DB, error) {
	dsn, err := dsn(path)
	if err != nil {
		return nil, err
	}
	if err := restrict(path); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening sqlite database %s: %w", path, err)
	}
	// Readers run concurrently under WAL; writers queue on busy_timeout.
	// A small pool bounds the file handles and page caches kept open.
	conns := max(4, 2*runtime.NumCPU())
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	if err := db.Ping(); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("opening sqlite database %s: %w", path, err)
	}
	return db, nil
}

// restrict makes the database file, before SQLite opens it, and its
// write-ahead log and shared-memory index readable by their owner only
// (0600): they hold every record. SQLite gives the log and index it creates
// the database file's mode; files of an older, looser install are
// tightened.
func restrict(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("opening sqlite database %s: %w", path, err)
	}
	_ = f.Close()
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("opening sqlite database: %w", err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(name, fi.Mode().Perm()&0o600); err != nil {
				return fmt.Errorf("restricting %s to its owner: %w", name, err)
			}
		}
	}
	return nil
}

// dsn builds the driver's data source name: a file: URI, so that any
// character in the path is escaped, carrying the pragmas and the
// transaction mode as query parameters.
func dsn(path string) (string, error) {
	if path == "" || path == ":memory:" {
		return "", errors.New("opening sqlite database: a file path is required")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("resolving sqlite database path %s: %w", path, err)
	}
	q := url.Values{"_pragma": pragmas, "_txlock": {"immediate"}}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}
	return u.String(), nil
}
