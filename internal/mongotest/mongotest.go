// Package mongotest runs an in-process FerretDB (MongoDB wire protocol over
// SQLite) for tests of the mongostores and for end-to-end tests. One server
// is shared by every test of a package that holds it, and each caller gets a
// database of its own, so tests stay independent without paying a server
// start each. Production code must not import this package.
package mongotest

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/mongo"
)

// Backend is the storage FerretDB translates MongoDB's protocol onto.
type Backend string

const (
	// SQLite is FerretDB's SQLite handler: quick to start, but it applies
	// conditional updates ($inc, $push, findAndModify) as read, modify,
	// write, so concurrent updates of one document can be lost.
	SQLite Backend = "sqlite"
	// PostgreSQL is FerretDB's PostgreSQL handler on a private PostgreSQL
	// cluster (Debian's postgresql): slower to start, and it runs each
	// update in a transaction, so the concurrency tests run on it.
	PostgreSQL Backend = "postgresql"
)

var (
	// mu guards shared, refs and seq.
	mu sync.Mutex
	// shared is the running server of each backend, absent when no test
	// holds it.
	shared = map[Backend]*server{}
	// refs counts the tests holding each shared server; the last to
	// finish stops it.
	refs = map[Backend]int{}
	// seq numbers databases so that every caller gets a fresh one.
	seq int
)

// Start returns a new, empty database on the shared FerretDB, starting the
// server if no test holds it. The database is dropped when t finishes, and
// the server stops when the last test holding it finishes.
func Start(t testing.TB) *mongo.Database {
	t.Helper()
	return StartOn(t, SQLite)
}

// StartOn is Start on the FerretDB of backend b.
func StartOn(t testing.TB, b Backend) *mongo.Database {
	t.Helper()
	s, name := acquire(t, b)
	db := s.client.Database(name)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := db.Drop(ctx); err != nil {
			t.Logf("dropping test database %s: %v", name, err)
		}
	})
	return db
}

// StartURI returns a mongodb:// URI whose path names a new, empty database on
// the shared FerretDB, for end-to-end tests that start the whole server with
// BERTH_MONGO_URI. The database is dropped when t finishes.
func StartURI(t testing.TB) string {
	t.Helper()
	db := Start(t)
	mu.Lock()
	defer mu.Unlock()
	return shared[SQLite].uri + db.Name()
}

// acquire holds the shared server for t's lifetime, starting it if needed,
// and names a database for t.
func acquire(t testing.TB, b Backend) (*server, string) {
	mu.Lock()
	defer mu.Unlock()
	if shared[b] == nil {
		s, err := start(b)
		if err != nil {
			t.Fatalf("starting FerretDB (%s): %v", b, err)
		}
		shared[b] = s
	}
	refs[b]++
	seq++
	t.Cleanup(func() { release(b) })
	return shared[b], databaseName(t.Name(), seq)
}

// release drops one hold on the shared server and stops it after the last.
func release(b Backend) {
	mu.Lock()
	defer mu.Unlock()
	refs[b]--
	if refs[b] == 0 && shared[b] != nil {
		shared[b].stop()
		delete(shared, b)
	}
}

// unsafeChars matches what may not appear in a database name here; MongoDB
// forbids fewer characters, FerretDB's SQLite backend a few more.
var unsafeChars = regexp.MustCompile(`[^a-z0-9_]+`)

// databaseName derives a valid, unique database name (at most 63 bytes) from
// a test name and a sequence number.
func databaseName(test string, n int) string {
	prefix := fmt.Sprintf("t%d_", n)
	name := unsafeChars.ReplaceAllString(strings.ToLower(test), "_")
	if room := 63 - len(prefix); len(name) > room {
		name = name[len(name)-room:]
	}
	return prefix + name
}
