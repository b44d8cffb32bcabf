package account

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"
)

// verified remembers, briefly, password checks that succeeded, so that a
// registry client sending the password with every pull costs one slow
// hash a minute, not one per request. An entry is keyed by an HMAC (with a
// key made at start and never stored) of the user's ID, their current
// password hash and the password: a changed password changes the stored
// hash and so misses at once, and a disabled user is refused after the hit,
// because the user record is read on every request anyway. Failures are
// never remembered, so guessing stays as slow as ever.
type verified struct {
	key []byte
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[[sha256.Size]byte]time.Time // → expiry
}

func newVerified(ttl time.Duration, max int) *verified {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &verified{key: key, ttl: ttl, max: max, entries: map[[sha256.Size]byte]time.Time{}}
}

func (v *verified) digest(u User, password string) [sha256.Size]byte {
	mac := hmac.New(sha256.New, v.key)
	for _, part := range []string{u.ID, u.PasswordHash, password} {
		mac.Write([]byte(part))
		mac.Write([]byte{0})
	}
	var d [sha256.Size]byte
	copy(d[:], mac.Sum(nil))
	return d
}

// has reports whether this password was verified for u recently.
func (v *verified) has(u User, password string, now time.Time) bool {
	d := v.digest(u, password)
	v.mu.Lock()
	defer v.mu.Unlock()
	exp, ok := v.entries[d]
	return ok && now.Before(exp)
}

// add remembers a successful check until now+ttl. When full, expired
// entries go first, then everything: the cache only ever saves work.
func (v *verified) add(u User, password string, now time.Time) {
	d := v.digest(u, password)
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.entries) >= v.max {
		for k, exp := range v.entries {
			if !now.Before(exp) {
				delete(v.entries, k)
			}
		}
		if len(v.entries) >= v.max {
			clear(v.entries)
		}
	}
	v.entries[d] = now.Add(v.ttl)
}
