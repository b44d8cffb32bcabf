// Package publisher owns the supply side: publisher profiles, the registry
// namespaces they own and the users who act for them.
package publisher

import (
	"context"
	"errors"
	"slices"
	"time"
)

// Publisher is an organisation that lists products. Namespaces are the
// registry namespaces it owns (unique across publishers); Members are user IDs
// that may push to them (its owners and editors: PutPublisher keeps Members
// in step with Roles when Roles is set).
type Publisher struct {
	ID       string
	Slug     string
	Name     string
	Verified bool
	// Description is the publisher's own words on its public page.
	Description string
	// LogoTag names its uploaded logo (the hex SHA-256 of its bytes, which
	// the store keeps apart); "" when it has none.
	LogoTag    string
	Namespaces []string
	Members    []string
	// Roles maps user IDs to what they may do for the publisher.
	Roles map[string]Role
	// Org is the organisation that applied to publish, if any, and
	// Applicant the user who sent the application.
	Org       string
	Applicant string
	// Status is where its application is; publishers made by operators
	// and the demo are approved.
	Status     Status
	ReviewNote string
	AppliedAt  time.Time
	ReviewedAt time.Time
	CreatedAt  time.Time
}

// Logo is a publisher's uploaded logo: its checked content type and its
// bytes.
type Logo struct {
	Type  string
	Bytes []byte
}

// Role is what a member may do for a publisher.
type Role string

// Publisher roles: owners manage members, keys and listings and push;
// editors push and edit listings; viewers see uploads, sales and analytics.
const (
	RoleOwner  Role = "owner"
	RoleEditor Role = "editor"
	RoleViewer Role = "viewer"
)

// Status is where a publisher's application is.
type Status string

// Application statuses. Only an approved publisher's namespaces take
// pushes and its products sell. A pending application left unreviewed for
// ApplicationTTL expires and releases its namespaces.
const (
	StatusPending  Status = "pending"
	StatusApproved Status = "approved"
	StatusRejected Status = "rejected"
	StatusExpired  Status = "expired"
)

// Key is a public key a publisher signs its images with (cosign key-pair
// format: an ECDSA P-256 or Ed25519 PEM public key). ID is its fingerprint.
type Key struct {
	ID        string
	Publisher string // the publisher's ID
	Name      string
	PEM       string
	CreatedBy string // the user who registered it
	CreatedAt time.Time
	RevokedAt time.Time // zero: active
	// BerthHeld marks a build key: Berth generated it and holds its
	// private half, Sealed with the key-encryption key, to sign the
	// publisher's builds (see BuildKeys). Keys a publisher registers
	// itself have neither.
	BerthHeld bool
	Sealed    []byte
}

// UploadStatus is where an upload is in the publishing pipeline.
type UploadStatus string

// Upload statuses.
const (
	// UploadWaiting: pushed to staging, not yet verified (its signature
	// may still be on its way); retried until it is or the wait ends.
	UploadWaiting UploadStatus = "waiting"
	// UploadPromoted: verified, copied to the buyer-facing repository and
	// signed by Berth.
	UploadPromoted UploadStatus = "promoted"
	// UploadRejected: not verified; Reason says why. Nothing reached buyers.
	UploadRejected UploadStatus = "rejected"
)

// Upload is one tag pushed to a publisher's staging repository and its way
// to buyers: a persisted job, retried until it is promoted or rejected.
type Upload struct {
	ID            string
	Publisher     string // the publisher's ID
	Staging       string // "staging/acme/db"
	Target        string // "acme/db"
	Tag           string
	Digest        string
	Status        UploadStatus
	Reason        string // why it waits or was rejected
	Attempts      int
	NextAttemptAt time.Time
	Pusher        string // who pushed (the token's subject)
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Sentinel errors callers compare with errors.Is.
var (
	// ErrNotFound means no publisher matched.
	ErrNotFound = errors.New("publisher not found")
	// ErrNamespaceTaken means another publisher already owns a namespace.
	ErrNamespaceTaken = errors.New("namespace is owned by another publisher")
	// ErrConflict means a record with the same unique key exists.
	ErrConflict = errors.New("already exists")
	// ErrStale means an upload changed since it was read: another step of
	// it was recorded first.
	ErrStale = errors.New("upload changed since it was read")
)

// Store persists publishers. Implementations live in sqlitestore and
// mongostore and pass the shared suite in publishertest.
type Store interface {
	// PutPublisher inserts p, or replaces the publisher with the same slug while
	// keeping its ID and CreatedAt. A namespace owned by another publisher
	// yields ErrNamespaceTaken.
	PutPublisher(ctx context.Context, p Publisher) (Publisher, error)
	// PublisherBySlug returns the publisher or ErrNotFound.
	PublisherBySlug(ctx context.Context, slug string) (Publisher, error)
	// PublishersByMember returns the publishers userID is a member of, by slug.
	PublishersByMember(ctx context.Context, userID string) ([]Publisher, error)
	// PublisherByNamespace returns the publisher owning a namespace, or ErrNotFound.
	PublisherByNamespace(ctx context.Context, namespace string) (Publisher, error)
	// PublishersByUser returns the publishers userID has any role in, by slug.
	PublishersByUser(ctx context.Context, userID string) ([]Publisher, error)
	// PublishersByStatus returns the publishers whose application is in
	// status, oldest application first.
	PublishersByStatus(ctx context.Context, status Status) ([]Publisher, error)
	// PublishersByOrg returns the publishers an organisation (by ID)
	// applied for, by slug.
	PublishersByOrg(ctx context.Context, orgID string) ([]Publisher, error)
	// PublishersByApplicant returns the publishers userID applied for, by
	// slug.
	PublishersByApplicant(ctx context.Context, userID string) ([]Publisher, error)
	// PutLogo stores the logo of the publisher (by ID), replacing any.
	PutLogo(ctx context.Context, publisherID string, l Logo) error
	// Logo returns the publisher's logo, or ErrNotFound.
	Logo(ctx context.Context, publisherID string) (Logo, error)

	// AddKey stores a signing key; the same ID for the same publisher
	// yields ErrConflict.
	AddKey(ctx context.Context, k Key) error
	// Keys returns a publisher's keys, revoked ones included, oldest first.
	Keys(ctx context.Context, publisherID string) ([]Key, error)
	// RevokeKey marks a key revoked at at, or returns ErrNotFound.
	RevokeKey(ctx context.Context, publisherID, keyID string, at time.Time) error
	// BerthHeldKeys returns every publisher's Berth-held keys, revoked
	// ones included: what a key-encryption key rotation seals again.
	BerthHeldKeys(ctx context.Context) ([]Key, error)
	// ResealKey replaces the sealed private half of a key with to, only
	// while it is still from: ErrConflict when it changed meanwhile,
	// ErrNotFound when there is no such key.
	ResealKey(ctx context.Context, publisherID, keyID string, from, to []byte) error

	// CreateUpload stores u unless an upload of the same Staging, Tag and
	// Digest exists; it returns the stored one and whether it is new.
	CreateUpload(ctx context.Context, u Upload) (Upload, bool, error)
	// UpdateUpload replaces an upload's fields (all but ID and CreatedAt),
	// or returns ErrNotFound.
	UpdateUpload(ctx context.Context, u Upload) error
	// StepUpload records a step of an upload: its Status, Reason,
	// Attempts, NextAttemptAt and UpdatedAt become u's, in one conditional
	// write, only while its stored Attempts is from (the step read it so).
	// Otherwise it returns ErrStale (ErrNotFound when no upload has u.ID),
	// so that a worker that lost its job's lease cannot overwrite a newer
	// step.
	StepUpload(ctx context.Context, u Upload, from int) error
	// Upload returns one upload, or ErrNotFound.
	Upload(ctx context.Context, id string) (Upload, error)
	// Uploads returns a publisher's uploads, newest first, at most limit.
	Uploads(ctx context.Context, publisherID string, limit int) ([]Upload, error)
	// UploadsByDigest returns the uploads of staging whose Digest is digest.
	UploadsByDigest(ctx context.Context, staging, digest string) ([]Upload, error)
	// DueUploads returns waiting uploads whose NextAttemptAt is at or
	// before now, soonest first, at most limit.
	DueUploads(ctx context.Context, now time.Time, limit int) ([]Upload, error)
}

// PushMembers returns the Members a store keeps for p: with Roles set, the
// users who may push (owners and editors), sorted; without, Members as
// given, each once.
func PushMembers(p Publisher) []string {
	if len(p.Roles) == 0 {
		seen := map[string]bool{}
		var out []string
		for _, m := range p.Members {
			if !seen[m] {
				seen[m] = true
				out = append(out, m)
			}
		}
		if out == nil {
			out = []string{}
		}
		return out
	}
	out := make([]string, 0, len(p.Roles))
	for user, role := range p.Roles {
		if role == RoleOwner || role == RoleEditor {
			out = append(out, user)
		}
	}
	slices.Sort(out)
	return out
}
