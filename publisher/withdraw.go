package publisher

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/berth/berth/internal/plaintext"
	"github.com/berth/berth/internal/secret"
)

// Withdrawal is a promoted tag a publisher took back from buyers, and why.
// It is written before the tag is deleted, so that the record of who, when
// and why survives whatever happens next, and it is what buyers holding a
// license for the repository are shown.
type Withdrawal struct {
	ID         string
	Publisher  string // the publisher's ID
	Repository string // the buyer-facing repository, "acme/db"
	Tag        string
	Digest     string // what the tag pointed at when it was withdrawn
	Reason     string
	By         string // the user who withdrew it
	At         time.Time
	// Done is set once the tag is gone from the registry and the catalog
	// and the publisher's webhooks were told; a withdrawal interrupted
	// before that is finished by the next attempt.
	Done bool
}

// WithdrawalStore persists withdrawals. The SQLite and MongoDB publisher
// stores implement it and pass the shared suite (storetest.RunWithdrawals).
type WithdrawalStore interface {
	// CreateWithdrawal stores w unless a withdrawal of the same
	// Repository, Tag and Digest exists; it returns the stored one and
	// whether it is new. An empty ID is filled in.
	CreateWithdrawal(ctx context.Context, w Withdrawal) (Withdrawal, bool, error)
	// FinishWithdrawal marks a withdrawal done, or returns ErrNotFound.
	FinishWithdrawal(ctx context.Context, id string) error
	// Withdrawals returns a publisher's withdrawals, newest first, at most
	// limit.
	Withdrawals(ctx context.Context, publisherID string, limit int) ([]Withdrawal, error)
	// WithdrawalsOf returns the withdrawals of any of repositories, newest
	// first, at most limit.
	WithdrawalsOf(ctx context.Context, repositories []string, limit int) ([]Withdrawal, error)
	// LatestWithdrawal returns the newest withdrawal of repository:tag, or
	// ErrNotFound.
	LatestWithdrawal(ctx context.Context, repository, tag string) (Withdrawal, error)
}

// Releases is where promoted tags live for buyers: the buyer-facing
// registry repository and the catalog. Withdrawals reach them through it,
// with Berth's own registry credentials: no publisher credential ever
// writes a buyer-facing repository.
type Releases interface {
	// ReleasedDigest returns the digest repo:tag points at for buyers, and
	// false when no such tag is released.
	ReleasedDigest(ctx context.Context, repo, tag string) (string, bool, error)
	// Unrelease deletes repo:tag from the registry and the catalog; a tag
	// already gone is no error.
	Unrelease(ctx context.Context, repo, tag string) error
	// Announce tells the publisher's webhooks of a withdrawal.
	Announce(ctx context.Context, w Withdrawal) error
}

// MaxReasonLength bounds a withdrawal's reason, in characters.
const MaxReasonLength = 500

// ErrNotReleased means the publisher has no promoted tag by that name.
var ErrNotReleased = errors.New("no promoted tag by that name")

// Withdrawals takes promoted tags back from buyers: it records why, deletes
// the tag from the buyer-facing repository and the catalog, and tells the
// publisher's webhooks. Who may withdraw is decided before it is called
// (the publisher's owners and editors, by the access rules).
type Withdrawals struct {
	store       Store
	withdrawals WithdrawalStore
	releases    Releases
	now         func() time.Time
}

// NewWithdrawals returns a Withdrawals over the publisher store, the
// withdrawal store and the releases it withdraws from.
func NewWithdrawals(store Store, withdrawals WithdrawalStore, releases Releases) *Withdrawals {
	return &Withdrawals{store: store, withdrawals: withdrawals, releases: releases, now: time.Now}
}

// Withdrawing names the tag to withdraw and why.
type Withdrawing struct {
	Repository string // "acme/db"
	Tag        string
	Reason     string
}

// tagName is a registry tag name (the distribution specification's).
var tagName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)

// Withdraw withdraws a promoted tag of the publisher slug on behalf of
// userID and returns the withdrawal, and whether this call made it. Asked
// again for a tag already withdrawn, it returns the first withdrawal (and
// finishes it, if it was interrupted). A tag the publisher has not
// promoted is ErrNotReleased.
func (s *Withdrawals) Withdraw(ctx context.Context, userID, slug string, in Withdrawing) (Withdrawal, bool, error) {
	reason, err := checkReason(in.Reason)
	if err != nil {
		return Withdrawal{}, false, err
	}
	p, err := s.store.PublisherBySlug(ctx, slug)
	if err != nil {
		return Withdrawal{}, false, err
	}
	repo := strings.ToLower(in.Repository)
	ns, _, _ := strings.Cut(repo, "/")
	if strings.Count(repo, "/") != 1 || !slices.Contains(p.Namespaces, ns) || !tagName.MatchString(in.Tag) {
		return Withdrawal{}, false, notReleased(repo, in.Tag, p.Slug)
	}
	digest, released, err := s.releases.ReleasedDigest(ctx, repo, in.Tag)
	if err != nil {
		return Withdrawal{}, false, err
	}
	if !released {
		w, err := s.withdrawals.LatestWithdrawal(ctx, repo, in.Tag)
		if errors.Is(err, ErrNotFound) {
			return Withdrawal{}, false, notReleased(repo, in.Tag, p.Slug)
		} else if err != nil {
			return Withdrawal{}, false, err
		}
		return w, false, s.finish(ctx, &w)
	}
	w, created, err := s.withdrawals.CreateWithdrawal(ctx, Withdrawal{ID: secret.ID(), Publisher: p.ID, Repository: repo,
		Tag: in.Tag, Digest: digest, Reason: reason, By: userID, At: s.now().UTC()})
	if err != nil {
		return Withdrawal{}, false, fmt.Errorf("recording the withdrawal of %s:%s: %w", repo, in.Tag, err)
	}
	if w.Done {
		// The same digest was released again under the tag since it was
		// withdrawn: withdraw it again under the first record.
		w.Done = false
	}
	return w, created, s.finish(ctx, &w)
}

// finish takes the tag away and tells the webhooks, unless w is done.
func (s *Withdrawals) finish(ctx context.Context, w *Withdrawal) error {
	if w.Done {
		return nil
	}
	if err := s.releases.Unrelease(ctx, w.Repository, w.Tag); err != nil {
		return fmt.Errorf("withdrawing %s:%s: %w", w.Repository, w.Tag, err)
	}
	if err := s.releases.Announce(ctx, *w); err != nil {
		return fmt.Errorf("announcing the withdrawal of %s:%s: %w", w.Repository, w.Tag, err)
	}
	if err := s.withdrawals.FinishWithdrawal(ctx, w.ID); err != nil {
		return err
	}
	w.Done = true
	return nil
}

// checkReason returns the reason trimmed, or an InvalidError saying what
// it must be.
func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return "", invalid("reason", "say why the tag is withdrawn: buyers holding a license are shown it")
	}
	if n := utf8.RuneCountInString(reason); n > MaxReasonLength {
		return "", invalid("reason", fmt.Sprintf("at most %d characters (this one has %d)", MaxReasonLength, n))
	}
	if err := plaintext.Text(reason); err != nil {
		return "", invalid("reason", err.Error())
	}
	return reason, nil
}

func notReleased(repo, tag, slug string) error {
	return fmt.Errorf("%s:%s is not a tag %s promoted: %w", repo, tag, slug, ErrNotReleased)
}

// Withdrawals returns the publisher's withdrawals, newest first, at most
// limit.
func (s *Withdrawals) Withdrawals(ctx context.Context, slug string, limit int) ([]Withdrawal, error) {
	p, err := s.store.PublisherBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.withdrawals.Withdrawals(ctx, p.ID, limit)
}

// Notices returns the withdrawals a license for repositories is told of,
// newest first, at most limit.
func (s *Withdrawals) Notices(ctx context.Context, repositories []string, limit int) ([]Withdrawal, error) {
	if len(repositories) == 0 {
		return nil, nil
	}
	return s.withdrawals.WithdrawalsOf(ctx, repositories, limit)
}

// Withdrawn returns the newest withdrawal of repo:tag, and false when it
// was never withdrawn.
func (s *Withdrawals) Withdrawn(ctx context.Context, repo, tag string) (Withdrawal, bool, error) {
	w, err := s.withdrawals.LatestWithdrawal(ctx, repo, tag)
	if errors.Is(err, ErrNotFound) {
		return Withdrawal{}, false, nil
	}
	return w, err == nil, err
}

// Describe says what a buyer is told of w.
func (w Withdrawal) Describe() string {
	return fmt.Sprintf("%s:%s was withdrawn by its publisher on %s: %s", w.Repository, w.Tag, w.At.UTC().Format("2006-01-02"), w.Reason)
}
