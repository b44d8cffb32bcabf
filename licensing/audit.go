package licensing

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/berth/berth/internal/secret"
)

// Batcher collects records and writes them in batches from one goroutine,
// so that the token endpoint and the registry gate never wait on a database
// write per request. Add blocks only when the buffer is full; Close writes
// what is pending.
type Batcher[T any] struct {
	ch      chan T
	flush   func(context.Context, []T) error
	onError func(error, int)
	every   time.Duration
	size    int

	mu     sync.RWMutex
	closed bool
	done   chan struct{}
}

// NewBatcher starts a Batcher writing up to size records at a time, at least
// every interval; onError hears of a batch that could not be written.
func NewBatcher[T any](size int, every time.Duration, flush func(context.Context, []T) error, onError func(err error, lost int)) *Batcher[T] {
	b := &Batcher[T]{ch: make(chan T, 8*size), flush: flush, onError: onError, every: every, size: size, done: make(chan struct{})}
	go b.run()
	return b
}

// Add queues v. After Close it is dropped.
func (b *Batcher[T]) Add(v T) {
	if b == nil {
		return
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	if !b.closed {
		b.ch <- v
	}
}

// Close writes the queued records and stops the Batcher.
func (b *Batcher[T]) Close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.ch)
	}
	b.mu.Unlock()
	<-b.done
}

func (b *Batcher[T]) run() {
	defer close(b.done)
	tick := time.NewTicker(b.every)
	defer tick.Stop()
	batch := make([]T, 0, b.size)
	write := func() {
		if len(batch) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := b.flush(ctx, batch)
		cancel()
		if err != nil && b.onError != nil {
			b.onError(err, len(batch))
		}
		batch = batch[:0]
	}
	for {
		select {
		case v, ok := <-b.ch:
			if !ok {
				write()
				return
			}
			if batch = append(batch, v); len(batch) >= b.size {
				write()
			}
		case <-tick.C:
			write()
		}
	}
}

// scopeStrings renders the canonical set of access (see Canonical) as
// scope strings, sorted: a request repeating one scope is recorded once.
func scopeStrings(access []Access) []string {
	access = Canonical(access)
	out := make([]string, 0, len(access))
	for _, a := range access {
		t := a.Type
		if a.Class != "" {
			t += "(" + a.Class + ")"
		}
		out = append(out, t+":"+a.Name+":"+strings.Join(a.Actions, ","))
	}
	sort.Strings(out)
	return out
}

// auditIssued records an issued token.
func (s *TokenServer) auditIssued(req TokenRequest, p principal, tok Token, extra *BerthClaims) {
	if s.audit == nil {
		return
	}
	r := TokenRecord{ID: tok.ID, At: tok.IssuedAt, Subject: tok.Subject, UserID: p.UserID, Kind: p.Kind, Credential: p.Credential,
		Asked: scopeStrings(req.Scopes), Granted: scopeStrings(tok.Access), IP: req.ClientIP, UserAgent: truncate(req.UserAgent, 300)}
	set := map[string]bool{}
	if p.Kind == CredentialLicense {
		set[p.Credential] = true
	}
	if extra != nil {
		for _, ents := range extra.Entitled {
			for _, e := range ents {
				set[e.License] = true
			}
		}
		for repo, why := range extra.Denied {
			for _, l := range p.Licensed[repo] {
				set[l.ID] = true
			}
			r.Denied = append(r.Denied, repo+": "+why.Message)
		}
		sort.Strings(r.Denied)
	}
	for id := range set {
		r.Licenses = append(r.Licenses, id)
	}
	sort.Strings(r.Licenses)
	s.audit.Add(r)
}

// auditRefusal records a license key refused because its license no longer
// entitles anything, so that its holder sees attempts to use it.
func (s *TokenServer) auditRefusal(req TokenRequest, err error) {
	var inactive *InactiveLicenseError
	if s.audit == nil || !errors.As(err, &inactive) {
		return
	}
	s.audit.Add(TokenRecord{ID: secret.ID(), At: s.now().UTC(), Subject: "license:" + inactive.LicenseID, UserID: inactive.Owner,
		Kind: CredentialLicense, Credential: inactive.LicenseID, Licenses: []string{inactive.LicenseID}, Asked: scopeStrings(req.Scopes),
		Denied: []string{inactive.Error()}, IP: req.ClientIP, UserAgent: truncate(req.UserAgent, 300)})
}
