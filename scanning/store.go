package scanning

import (
	"context"
	"time"
)

// Record is one OSV record as the advisory database keeps it: its bytes as
// imported (compacted), a digest of them that tells a re-import whether it
// changed, and the ecosystem+package keys it is indexed by.
type Record struct {
	ID       string
	Digest   string
	Modified time.Time
	Keys     []PackageKey
	Raw      []byte
}

// Store is the offline advisory database. Both implementations
// (sqlitestore, mongostore) pass the suite in scanning/storetest.
type Store interface {
	// Digests returns every stored record's ID with its digest: what an
	// import diffs against.
	Digests(ctx context.Context) (map[string]string, error)
	// Put inserts or replaces records by ID, with their index keys.
	Put(ctx context.Context, recs []Record) error
	// Delete removes the records with these IDs; unknown IDs are ignored.
	Delete(ctx context.Context, ids []string) error
	// Get returns the records with these IDs; unknown IDs are left out.
	Get(ctx context.Context, ids []string) ([]Record, error)
	// Lookup returns, once each, the records indexed under any of keys.
	Lookup(ctx context.Context, keys []PackageKey) ([]Record, error)
}
