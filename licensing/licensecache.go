package licensing

import (
	"context"
	"sync"
	"time"
)

// Bounds on the token server's caches (licenses of about half a kilobyte,
// reused tokens of one to two); past its bound a cache starts again empty.
const (
	maxCachedLicenses = 100_000
	maxReusedTokens   = 10_000
)

// reuseTokensFor is how long the token server answers a repeated license
// key request with the token it signed for the first (see issueForKey).
const reuseTokensFor = time.Second

// versioned is a cache whose entries belong to the licenses' version they
// were read at (Store.LicensesVersion). It is exact, not timed: the first
// request that reads a newer version (any instance's revocation, key
// rotation, seat, tier or expiry change moves it in the shared database)
// drops every older entry. A request always reads the version before what
// it caches, so a license changed after that read is cached under a version
// already outdated and never served.
type versioned[T any] struct {
	limit int // entries at most

	mu      sync.RWMutex
	version int64
	entries map[string]T
}

// get returns the entry cached under key at version v.
func (c *versioned[T]) get(v int64, key string) (T, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.version != v {
		var zero T
		return zero, false
	}
	e, ok := c.entries[key]
	return e, ok
}

// put caches e under key as read at version v. A version older than the
// cache's is not cached; a newer one first drops everything older.
func (c *versioned[T]) put(v int64, key string, e T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v < c.version {
		return
	}
	if v > c.version || c.entries == nil || len(c.entries) >= c.limit {
		c.version, c.entries = v, make(map[string]T)
	}
	c.entries[key] = e
}

// reused is a signed token and until when a repeated request may get it.
type reused struct {
	token Token
	until time.Time
}

// licenseByKeyHash returns the license whose key hashes to hash as of the
// licenses' version v, from the cache when it was read at v.
func (s *TokenServer) licenseByKeyHash(ctx context.Context, v int64, hash string) (License, error) {
	if l, ok := s.licenses.get(v, hash); ok {
		return l, nil
	}
	l, err := s.store.LicenseByKeyHash(ctx, hash)
	if err != nil {
		return License{}, err
	}
	s.licenses.put(v, hash, l)
	return l, nil
}
