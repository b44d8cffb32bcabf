package account

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Password guessing limits. Only password checks count: Berth's keys and
// tokens carry 256 random bits and cannot be guessed, and anonymous
// browsing checks nothing. A success gives its attempt back.
const (
	// addressAttempts failed password checks a minute from one address,
	// whatever the accounts.
	addressAttempts = 20
	// pairAttempts failed checks a minute of one account from one address.
	pairAttempts = 10
	// accountAttempts failed checks an hour of one account from all the
	// addresses that never signed in to it: guesses spread over many
	// addresses are bounded, while its holder, at an address they signed
	// in from before, is never locked out by someone else's guesses.
	accountAttempts = 100
	// knownFor is how long an address that signed in stays known.
	knownFor = 30 * 24 * time.Hour
)

// TooManyAttemptsError refuses a password check over a limit.
type TooManyAttemptsError struct {
	RetryAfter time.Duration
}

func (e *TooManyAttemptsError) Error() string {
	return fmt.Sprintf("too many failed password attempts; wait %d seconds and try again", int(e.RetryAfter.Seconds())+1)
}

type addressKey struct{}

// WithAddress returns ctx naming the client address a password check
// comes from, for the guessing limits.
func WithAddress(ctx context.Context, address string) context.Context {
	return context.WithValue(ctx, addressKey{}, address)
}

func addressOf(ctx context.Context) string {
	a, _ := ctx.Value(addressKey{}).(string)
	return a
}

// guard counts password attempts per address, per account and address,
// and per account. Counts live in this process: with several instances an
// attacker gets the allowance of each, which still bounds guessing.
type guard struct {
	now     func() time.Time
	mu      sync.Mutex
	address buckets
	pair    buckets
	account buckets
	known   map[string]time.Time
}

func newGuard(now func() time.Time) *guard {
	return &guard{now: now, known: map[string]time.Time{},
		address: buckets{max: addressAttempts, period: time.Minute, counts: map[string]*bucket{}},
		pair:    buckets{max: pairAttempts, period: time.Minute, counts: map[string]*bucket{}},
		account: buckets{max: accountAttempts, period: time.Hour, counts: map[string]*bucket{}}}
}

// attempt reserves one attempt of username from the context's address,
// or refuses. The reservation stands unless done is called with true.
func (g *guard) attempt(ctx context.Context, username string) (done func(ok bool), err error) {
	addr, acct := addressOf(ctx), strings.ToLower(strings.TrimSpace(username))
	pair := acct + "\x00" + addr
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	var keys []*buckets
	var names []string
	if addr != "" {
		keys, names = append(keys, &g.address, &g.pair), append(names, addr, pair)
	}
	if seen, ok := g.known[pair]; addr == "" || !ok || now.Sub(seen) > knownFor {
		keys, names = append(keys, &g.account), append(names, acct)
	}
	for i, b := range keys {
		if wait, ok := b.take(names[i], now); !ok {
			for j := range i {
				keys[j].refund(names[j])
			}
			return nil, &TooManyAttemptsError{RetryAfter: wait}
		}
	}
	return func(ok bool) {
		if !ok {
			return
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		for i, b := range keys {
			b.refund(names[i])
		}
		if addr != "" {
			if len(g.known) > 100000 {
				clear(g.known)
			}
			g.known[pair] = g.now()
		}
	}, nil
}

// buckets count attempts per key in fixed windows starting at a key's
// first attempt.
type buckets struct {
	max    int
	period time.Duration
	counts map[string]*bucket
}

type bucket struct {
	start time.Time
	n     int
}

// take reserves an attempt for key, or says how long until it may.
func (b *buckets) take(key string, now time.Time) (time.Duration, bool) {
	c := b.counts[key]
	if c == nil || now.Sub(c.start) >= b.period {
		if len(b.counts) > 100000 {
			b.sweep(now)
		}
		c = &bucket{start: now}
		b.counts[key] = c
	}
	if c.n >= b.max {
		return b.period - now.Sub(c.start), false
	}
	c.n++
	return 0, true
}

func (b *buckets) refund(key string) {
	if c := b.counts[key]; c != nil && c.n > 0 {
		c.n--
	}
}

func (b *buckets) sweep(now time.Time) {
	for k, c := range b.counts {
		if now.Sub(c.start) >= b.period {
			delete(b.counts, k)
		}
	}
}

// Authenticate returns the enabled user with username and password, or
// ErrBadCredentials. Every password check in Berth comes here (sign-in,
// Basic on the API, the token endpoint, re-entering a password), so every
// one is held to the guessing limits: past them it is a
// *TooManyAttemptsError, whatever the password.
func (s *Service) Authenticate(ctx context.Context, username, password string) (User, error) {
	if strings.TrimSpace(username) == "" || password == "" {
		return User{}, ErrBadCredentials // nothing was guessed
	}
	done, err := s.guard.attempt(ctx, username)
	if err != nil {
		return User{}, err
	}
	u, err := s.authenticate(ctx, username, password)
	done(err == nil)
	return u, err
}
