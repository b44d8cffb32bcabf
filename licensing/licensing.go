// Package licensing owns licenses and their keys, the entitlements they grant,
// the registry token server and the keys that sign its tokens.
package licensing

import (
	"context"
	"errors"
	"time"
)

// Status is where a license is in its life.
type Status string

// License statuses. Only an active license entitles anything.
const (
	StatusActive    Status = "active"
	StatusExpired   Status = "expired"
	StatusSuspended Status = "suspended"
	StatusRevoked   Status = "revoked"
)

// License lets its owner pull a tier's repositories. The key is never stored:
// KeyHash is the hex SHA-256 of it (keys carry 256 bits of entropy, so a fast
// hash is safe) and KeyHint its last four characters, to tell keys apart.
//
// Owner is a user's or an organisation's ID: an organisation's license
// entitles every member's credentials, up to Seats distinct ones when Seats
// is set. The entitlement terms (Seats, Entitlement, Quota) are copied from
// the tier when the license is issued, so that a later change to the tier
// does not change what was bought.
type License struct {
	ID           string
	KeyHash      string
	KeyHint      string
	Owner        string
	Product      string
	Tier         string
	Repositories []string
	Status       Status
	Trial        bool
	Seats        int // distinct credentials that may pull; 0: unlimited
	Entitlement  Entitlement
	Quota        Quota
	// OrderID is the billing order that bought the license, if any.
	OrderID string
	// TermsVersion is the version of the tier's terms the holder accepted,
	// and TermsAcceptedAt when.
	TermsVersion    int
	TermsAcceptedAt time.Time
	CreatedAt       time.Time // the license's start
	ExpiresAt       time.Time // zero: never
	RevokedAt       time.Time // zero: not revoked
}

// Entitles reports whether the license grants everything it names at t.
func (l License) Entitles(t time.Time) bool {
	return l.Status == StatusActive && (l.ExpiresAt.IsZero() || t.Before(l.ExpiresAt))
}

// Usable reports whether the license grants anything at t: everything while
// it entitles, and after it has expired, under a perpetual fallback, the
// tags released before its end.
func (l License) Usable(t time.Time) bool {
	return l.Entitles(t) || (l.Status == StatusActive && l.Entitlement.Perpetual)
}

// Entitlement limits which tags of a license's repositories may be pulled.
// The zero Entitlement allows every tag.
type Entitlement struct {
	// Versions is a semantic-version range such as ">=2.0.0 <3.0.0"; only
	// tags that parse as versions and satisfy it may be pulled.
	Versions string
	// TagPattern is a glob over tag names, as path.Match, such as "2.*".
	TagPattern string
	// Perpetual keeps, once the license has expired, the tags released
	// before its end (a perpetual fallback). A revoked license keeps nothing.
	Perpetual bool
}

// Quota caps a license's pulls per period. The zero Quota is unlimited.
type Quota struct {
	Pulls  int
	Period Period
}

// Period is the window a pull quota counts over.
type Period string

// Quota periods, in UTC: a calendar day or a calendar month.
const (
	PerDay   Period = "day"
	PerMonth Period = "month"
)

// KeyKind says what a token-signing key is for.
type KeyKind string

// Key kinds: the root signs certificates for signing keys; signing keys sign
// tokens and travel in each token's x5c header.
const (
	KeyRoot    KeyKind = "root"
	KeySigning KeyKind = "signing"
)

// Key is a stored token key: a PKCS#8 private key, sealed by the KeyRing's
// Sealer (keys stored before encryption hold it in the clear until the
// next Load), and its X.509 certificate, DER. Keys live in the database so
// that every store instance signs with the same ones.
type Key struct {
	ID         string
	Kind       KeyKind
	PrivateDER []byte
	CertDER    []byte
	CreatedAt  time.Time
	RetiredAt  time.Time // zero: in use
}

// Sentinel errors callers compare with errors.Is.
var (
	// ErrNotFound means no license or key matched.
	ErrNotFound = errors.New("license not found")
	// ErrConflict means a record with the same unique field exists.
	ErrConflict = errors.New("already exists")
)

// Store persists licenses and token keys. Implementations live in sqlitestore
// and mongostore and pass the shared suite in licensingtest.
type Store interface {
	// CreateLicense inserts l; a duplicate ID or key hash yields ErrConflict.
	CreateLicense(ctx context.Context, l License) error
	// LicenseByID returns the license or ErrNotFound.
	LicenseByID(ctx context.Context, id string) (License, error)
	// LicenseByKeyHash returns the license whose key hashes to h, or ErrNotFound.
	LicenseByKeyHash(ctx context.Context, h string) (License, error)
	// LicensesByOwner returns owner's licenses, newest first.
	LicensesByOwner(ctx context.Context, owner string) ([]License, error)
	// LicensesByProduct returns a product's licenses, newest first, at most
	// limit.
	LicensesByProduct(ctx context.Context, product string, limit int) ([]License, error)
	// SetLicenseStatus changes a license's status; revoking records RevokedAt = at.
	SetLicenseStatus(ctx context.Context, id string, s Status, at time.Time) (License, error)
	// UpdateLicense replaces the stored license with l's fields (all but ID,
	// Owner and CreatedAt), or returns ErrNotFound; a key hash another
	// license has yields ErrConflict.
	UpdateLicense(ctx context.Context, l License) error
	// LicensesVersion returns the licenses' version: a counter that every
	// SetLicenseStatus and UpdateLicense increases after its change is
	// stored, on every instance sharing the database. The token server
	// keeps verified license keys in memory only as long as it has not
	// moved (see licensecache.go).
	LicensesVersion(ctx context.Context) (int64, error)

	// AddKey inserts k; a duplicate ID yields ErrConflict.
	AddKey(ctx context.Context, k Key) error
	// Keys returns every stored key, oldest first.
	Keys(ctx context.Context) ([]Key, error)
	// UpdateKeyPrivate replaces the PrivateDER of key id with to if it
	// still is from, so that instances sealing one key at once do not undo
	// each other. No key id yields ErrNotFound; another value ErrConflict.
	// The previous value must not stay readable in the store's files where
	// the store can help it.
	UpdateKeyPrivate(ctx context.Context, id string, from, to []byte) error
}
