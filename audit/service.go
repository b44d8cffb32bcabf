package audit

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/storecodec"
)

// Length caps, in bytes. A failed sign-in records the username as typed, so
// every text field is bounded, not only Detail.
const (
	MaxDetail = 500
	MaxField  = 200
)

// Service records and lists security events.
type Service struct {
	store Store
	now   func() time.Time
}

// Option tunes a Service.
type Option func(*Service)

// WithClock makes the Service stamp events with now instead of time.Now, so
// that tests can place events in time.
func WithClock(now func() time.Time) Option {
	return func(s *Service) { s.now = now }
}

// New returns a Service over store.
func New(store Store, opts ...Option) *Service {
	s := &Service{store: store, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Record stores e with a new random ID and the current time, after capping
// its text fields (Detail at MaxDetail bytes, the others at MaxField, cut at
// a character boundary) and dropping empty and repeated organisations. An
// event without an action or an outcome is an *InvalidError. A failure to
// store is returned, never swallowed: the caller decides whether the request
// may go on without its record.
func (s *Service) Record(ctx context.Context, e Event) error {
	if e.Action == "" {
		return &InvalidError{Field: "action", Message: "say what happened: use one of the audit.Action constants"}
	}
	if e.Outcome == "" {
		return &InvalidError{Field: "outcome", Message: "say how it ended: audit.Success, audit.Failure or audit.Denied"}
	}
	e.ID, e.At = secret.ID(), s.now()
	e.Action = Action(truncate(string(e.Action), MaxField))
	e.Outcome = Outcome(truncate(string(e.Outcome), MaxField))
	for _, f := range []*string{&e.ActorID, &e.ActorName, &e.Credential, &e.Address, &e.Target} {
		*f = truncate(*f, MaxField)
	}
	e.Detail = truncate(e.Detail, MaxDetail)
	e.Orgs = orgs(e.Orgs)
	if err := s.store.AddEvent(ctx, e); err != nil {
		return fmt.Errorf("recording audit event %s: %w", e.Action, err)
	}
	return nil
}

// List returns the events q selects, newest first. A zero limit lists
// DefaultLimit; one below 0 or above MaxLimit is an *InvalidError. An empty
// q.OrgID lists every organisation's events and more: the caller must have
// checked that the reader is an admin.
func (s *Service) List(ctx context.Context, q Query) ([]Event, error) {
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		return nil, &InvalidError{Field: "limit", Message: fmt.Sprintf("ask for 1 to %d events a page", MaxLimit)}
	}
	if q.Before.IsZero() {
		q.BeforeID = ""
	}
	out, err := s.store.Events(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("listing audit events: %w", err)
	}
	return out, nil
}

// Sweep deletes the events older than before and returns how many went.
// The server calls it with now minus Retention.
func (s *Service) Sweep(ctx context.Context, before time.Time) (int, error) {
	n, err := s.store.DeleteEvents(ctx, before)
	if err != nil {
		return n, fmt.Errorf("sweeping audit events before %s: %w", before.Format(time.RFC3339), err)
	}
	return n, nil
}

// truncate returns s as valid UTF-8 of at most n bytes, cut before the
// character that would pass n.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// orgs returns list without empty or repeated IDs, nil when none is left.
func orgs(list []string) []string {
	var out []string
	for _, o := range storecodec.Distinct(list) {
		if o != "" {
			out = append(out, o)
		}
	}
	return out
}
