package directory

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"sync"
	"time"

	"github.com/berth/berth/account"
)

// Verify checks a username and password for the token server (docker
// login, every pull's token) and returns the account's ID. A directory
// password verified in the last CacheFor is trusted without asking the
// directory again, so that a pull costs no directory round-trip; the
// account itself is still read every time, so an account a sync or an
// admin disabled is refused at once. A person disabled in the directory
// only is refused at their first token after CacheFor, or after the next
// periodic sync, whichever comes first. Local accounts are checked by the
// account domain, which has its own cache.
func (s *Service) Verify(ctx context.Context, username, password string) (string, error) {
	if username == "" || password == "" {
		return "", ErrBadCredentials
	}
	now := s.opts.Now()
	key := s.cache.key(username, password)
	if id, ok := s.cache.get(key, now); ok {
		u, err := s.accounts.User(ctx, id)
		if err == nil && !u.Disabled {
			return u.ID, nil
		}
		s.cache.drop(key)
		if err != nil && !errors.Is(err, account.ErrNotFound) {
			return "", err
		}
		return "", ErrBadCredentials
	}
	u, viaDirectory, err := s.authenticate(ctx, username, password)
	if err != nil {
		return "", err
	}
	if viaDirectory {
		s.cache.put(key, u.ID, now)
	}
	return u.ID, nil
}

// verifiedCache remembers, for a bounded time, directory passwords that
// the directory accepted. Entries are keyed by an HMAC (under a key made
// at start and never stored) of the username and password, so the cache
// holds no password. Failures are never cached: guessing stays as slow as
// the directory and the guessing limits make it.
type verifiedCache struct {
	secret []byte
	ttl    time.Duration
	max    int

	mu      sync.Mutex
	entries map[[sha256.Size]byte]cached
}

type cached struct {
	userID  string
	expires time.Time
}

func newVerifiedCache(ttl time.Duration, max int) *verifiedCache {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	return &verifiedCache{secret: secret, ttl: ttl, max: max, entries: map[[sha256.Size]byte]cached{}}
}

func (c *verifiedCache) key(username, password string) [sha256.Size]byte {
	mac := hmac.New(sha256.New, c.secret)
	mac.Write([]byte(username))
	mac.Write([]byte{0})
	mac.Write([]byte(password))
	var k [sha256.Size]byte
	copy(k[:], mac.Sum(nil))
	return k
}

func (c *verifiedCache) get(k [sha256.Size]byte, now time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok || !now.Before(e.expires) {
		return "", false
	}
	return e.userID, true
}

// put remembers a success until now+ttl. When full, expired entries go
// first, then everything: the cache only ever saves work.
func (c *verifiedCache) put(k [sha256.Size]byte, userID string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for key, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, key)
			}
		}
		if len(c.entries) >= c.max {
			clear(c.entries)
		}
	}
	c.entries[k] = cached{userID: userID, expires: now.Add(c.ttl)}
}

func (c *verifiedCache) drop(k [sha256.Size]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, k)
}
