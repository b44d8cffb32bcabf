package publisher

import (
	"context"
	"errors"
	"time"
)

// Service is the publisher domain's behaviour over its store: applications
// and their review, signing keys, push tokens, and what the portal reads.
// Who may call each method is decided before it is called, by the access
// rules; the service keeps the domain's own invariants (an application
// names an organisation its applicant owns, only an approved publisher's
// pushing members get push tokens, pending applications are capped and
// expire).
type Service struct {
	store      Store
	orgs       Orgs
	namespaces Namespaces
	tokens     PushTokens
	now        func() time.Time
}

// Org is an organisation as an application needs it: its members' roles
// decide their publisher roles.
type Org struct {
	ID   string
	Name string
	// Roles maps member user IDs to their role in the organisation.
	Roles map[string]OrgRole
}

// OrgRole is a member's standing in an organisation.
type OrgRole string

// Organisation roles: an owner applies and becomes a publisher owner, an
// admin an editor, any other member a viewer.
const (
	OrgOwner  OrgRole = "owner"
	OrgAdmin  OrgRole = "admin"
	OrgMember OrgRole = "member"
)

// Orgs finds the organisation an application names.
type Orgs interface {
	// OrgByName returns the organisation called name, and false when there
	// is none.
	OrgByName(ctx context.Context, name string) (Org, bool, error)
}

// Namespaces answers who owns a user's or organisation's namespace: a
// publisher may claim only its own organisation's, or one nobody owns.
type Namespaces interface {
	// NamespaceOwner returns the ID of the user or organisation owning
	// name, or "" when nobody does.
	NamespaceOwner(ctx context.Context, name string) (string, error)
}

// PushTokens makes the credential a publisher's member pushes with: a token
// of userID, called name, that may push to stagingRepos and nothing else.
type PushTokens interface {
	CreatePushToken(ctx context.Context, userID, name string, stagingRepos []string) (id, secret string, err error)
}

// New returns a Service over store, finding organisations through orgs,
// users' and organisations' namespaces through namespaces, and making push
// tokens through tokens.
func New(store Store, orgs Orgs, namespaces Namespaces, tokens PushTokens) *Service {
	return &Service{store: store, orgs: orgs, namespaces: namespaces, tokens: tokens, now: time.Now}
}

// Sentinel errors of the service, beside the store's.
var (
	// ErrNotApproved means the publisher's application is not approved:
	// it gets no push tokens and its listings stay drafts.
	ErrNotApproved = errors.New("the publisher is not approved yet")
	// ErrNotPusher means the user is not among the publisher's owners and
	// editors, who alone push.
	ErrNotPusher = errors.New("only the publisher's owners and editors push")
	// ErrExpired means an application expired unreviewed; the
	// organisation applies again.
	ErrExpired = errors.New("the application expired before it was reviewed: the organisation must apply again")
	// ErrPendingLimit means an organisation or a user has as many pending
	// applications as allowed.
	ErrPendingLimit = errors.New("too many pending applications")
	// ErrKeyNotFound means the publisher has no key with that ID.
	ErrKeyNotFound = errors.New("no such signing key")
)

// InvalidError reports input that fails validation; Field names the
// offending field, Message says what it must be.
type InvalidError struct {
	Field   string
	Message string
}

func (e *InvalidError) Error() string { return e.Field + ": " + e.Message }

// ConflictError reports input that clashes with what exists (a slug, a
// namespace, a key, a pending application); Err is the sentinel it
// matches (ErrConflict, ErrNamespaceTaken, ErrPendingLimit).
type ConflictError struct {
	Field   string
	Message string
	Err     error
}

func (e *ConflictError) Error() string { return e.Field + ": " + e.Message }

// Unwrap returns the sentinel the conflict matches.
func (e *ConflictError) Unwrap() error { return e.Err }

func invalid(field, msg string) error { return &InvalidError{Field: field, Message: msg} }

// PublisherBySlug returns the publisher as it stands now: a pending
// application past ApplicationTTL reads as expired.
func (s *Service) PublisherBySlug(ctx context.Context, slug string) (Publisher, error) {
	p, err := s.store.PublisherBySlug(ctx, slug)
	if err != nil {
		return p, err
	}
	return settled(p, s.now()), nil
}

// PublishersByMember returns the publishers userID pushes for, by slug.
func (s *Service) PublishersByMember(ctx context.Context, userID string) ([]Publisher, error) {
	return s.store.PublishersByMember(ctx, userID)
}

// Keys returns the signing keys of the publisher slug, revoked ones
// included, oldest first.
func (s *Service) Keys(ctx context.Context, slug string) ([]Key, error) {
	p, err := s.store.PublisherBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	keys, err := s.store.Keys(ctx, p.ID)
	for i := range keys {
		keys[i] = public(keys[i])
	}
	return keys, err
}

// Uploads returns the publisher's latest uploads, newest first, at most
// limit.
func (s *Service) Uploads(ctx context.Context, slug string, limit int) ([]Upload, error) {
	p, err := s.store.PublisherBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.store.Uploads(ctx, p.ID, limit)
}
