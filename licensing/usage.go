package licensing

import (
	"context"
	"time"
)

// Seat is one credential holding a place on a license with a seat cap.
// Holder names the credential: "user:<id>" for a member's password and the
// refresh tokens it gave, "pat:<id>" for a personal access token, "key" for
// the license key itself.
type Seat struct {
	LicenseID string
	Holder    string
	ClaimedAt time.Time
}

// TokenRecord is the audit record of one token issued (or refused).
type TokenRecord struct {
	ID         string
	At         time.Time
	Subject    string         // the token's sub claim; empty for anonymous
	UserID     string         // the account behind the credential, if any
	Kind       CredentialKind // empty: anonymous
	Credential string         // the access token's or license's ID, if any
	Licenses   []string       // licenses whose entitlements the token carries
	Asked      []string       // scopes asked, as "repository:acme/db:pull"
	Granted    []string       // scopes granted, same form
	Denied     []string       // why a license granted less than it names
	IP         string
	UserAgent  string
}

// Pull is one image pull through the registry, attributed to the license
// that entitled it.
type Pull struct {
	ID         string
	At         time.Time
	LicenseID  string
	Owner      string // the license's owner
	Repository string
	Reference  string // the tag or digest asked for
	Digest     string
	Subject    string // the token's subject
	IP         string
	UserAgent  string
}

// Release is when a tag of a repository last pointed at a new manifest: the
// release time a perpetual fallback compares with a license's end.
type Release struct {
	Repository string
	Tag        string
	Digest     string
	At         time.Time
}

// UsageQuery selects audit records or pulls, newest first. An empty
// LicenseID selects all of them (the admin's view); Before, when set, pages
// back; Limit caps the count (callers always set it).
type UsageQuery struct {
	LicenseID string
	Before    time.Time
	Limit     int
}

// UsageStore persists seats, token audit records, pulls, pull counts and tag
// releases. The SQLite and MongoDB stores implement it beside Store and pass
// the shared suite in storetest.
type UsageStore interface {
	// ClaimSeat gives holder a seat on the license unless max seats are
	// taken. It reports true when holder holds a seat afterwards (newly or
	// already); it never gives more than max seats, even under concurrent
	// claims.
	ClaimSeat(ctx context.Context, licenseID, holder string, max int, at time.Time) (bool, error)
	// Seats returns the license's seats, oldest claim first.
	Seats(ctx context.Context, licenseID string) ([]Seat, error)
	// ReleaseSeat frees holder's seat, or returns ErrNotFound.
	ReleaseSeat(ctx context.Context, licenseID, holder string) error

	// RecordTokens stores audit records. A record whose ID and time are
	// stored already (a batch written again after a failure) is skipped.
	RecordTokens(ctx context.Context, records []TokenRecord) error
	// TokenRecords returns records whose Licenses include q.LicenseID (or
	// all), newest first.
	TokenRecords(ctx context.Context, q UsageQuery) ([]TokenRecord, error)

	// RecordPulls stores pulls; a pull whose ID exists is skipped.
	RecordPulls(ctx context.Context, pulls []Pull) error
	// Pulls returns pulls of q.LicenseID (or all), newest first.
	Pulls(ctx context.Context, q UsageQuery) ([]Pull, error)

	// CountPull adds one to the license's pull count for period (a key such
	// as "2026-11-27" or "2026-11") unless limit > 0 and the count has
	// reached limit. It returns the count afterwards and whether the pull
	// was counted.
	CountPull(ctx context.Context, licenseID, period string, limit int) (int, bool, error)
	// PullCount returns the license's pull count for period (0 if none).
	PullCount(ctx context.Context, licenseID, period string) (int, error)

	// RecordRelease records that repository:tag points at digest. A tag
	// already recorded at the same digest keeps its time.
	RecordRelease(ctx context.Context, r Release) error
	// Releases returns the repository's recorded tags, by tag name.
	Releases(ctx context.Context, repository string) ([]Release, error)

	// PruneUsage deletes token records and pulls older than before, and pull
	// counts last changed before it, returning how many records went.
	PruneUsage(ctx context.Context, before time.Time) (int, error)
}
