package licensing

import (
	"context"
	"time"
)

// Referrer is a manifest pushed with a subject: one entry of its subject's
// referrers list (OCI distribution-spec, "Listing Referrers"). A manifest
// names at most one subject, so a repository and digest identify it.
type Referrer struct {
	Repository string
	Subject    string // the digest the manifest's subject names
	Digest     string // the referrer manifest's own digest
	MediaType  string
	Size       int64
	// ArtifactType is the manifest's artifactType, or for an image manifest
	// without one its config's media type; empty for an index without one.
	ArtifactType string
	Annotations  map[string]string
	PushedAt     time.Time
}

// ReferrerStore keeps the gate's index of referrers, so that the referrers
// API answers from the database on every instance and across restarts.
// The SQLite and MongoDB stores implement it and pass the shared suite in
// storetest (RunReferrers).
type ReferrerStore interface {
	// PutReferrer records r; a referrer of the same repository and digest
	// is replaced.
	PutReferrer(ctx context.Context, r Referrer) error
	// Referrers returns the repository's referrers of subject, or all of
	// them when subject is empty, oldest push first (ties by digest).
	Referrers(ctx context.Context, repository, subject string) ([]Referrer, error)
	// DeleteReferrer forgets the referrer manifest digest of repository; a
	// digest not recorded is not an error.
	DeleteReferrer(ctx context.Context, repository, digest string) error
}
