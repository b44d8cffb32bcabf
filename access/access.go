// Package access is Berth's one authorization decision point. Every
// credential becomes a Principal of one Kind; every web page and API route
// declares the Permission it needs; Decide says yes or no for the pair, and
// Registry derives the registry actions a credential reaches from the same
// rules. Nothing else in Berth decides who may do what: handlers ask here.
//
// Deny by default: a kind, resource or level this package does not know is
// refused. A refusal is a Decision, not an error; an error means the
// decision could not be made (a database failed).
package access

import (
	"slices"
	"strings"
)

// Kind is a kind of credential.
type Kind string

// The credential kinds, each with exactly its reach (see Decide and
// Registry):
const (
	// Anonymous is a request with no credential: public pages and API.
	Anonymous Kind = "anonymous"
	// Session is a browser session cookie: the account, on pages and API,
	// with CSRF tokens on every change.
	Session Kind = "session"
	// Password is a username and password over HTTP Basic: the account on
	// the API and the registry.
	Password Kind = "password"
	// Token is a personal access token: the account on the API and the
	// registry, read or read-write, optionally limited to namespaces or
	// repositories; never its credentials or administration.
	Token Kind = "pat"
	// PushToken is a publisher's push token: registry push and pull on its
	// staging namespaces only, and nothing on the API or pages.
	PushToken Kind = "push-token"
	// LicenseKey is a license key: registry pull of what its license
	// covers, and nothing on the API or pages.
	LicenseKey Kind = "license-key"
	// Refresh is a registry refresh token: at /token, the reach of the
	// credential it came from; nothing on the API or pages.
	Refresh Kind = "refresh-token"
)

// Kinds lists every credential kind, for tables that must cover them all.
var Kinds = []Kind{Anonymous, Session, Password, Token, PushToken, LicenseKey, Refresh}

// Principal is an authenticated caller: who, and through which credential.
// Admin is a property of the account, honoured only through the kinds that
// carry the whole account (session and password).
type Principal struct {
	Kind   Kind
	UserID string
	Name   string
	Admin  bool
	// ReadOnly is set for read-only personal access tokens.
	ReadOnly bool
	// Within limits a token to these namespaces ("acme") or repositories
	// ("acme/db"); empty means no limit. A push token is always limited to
	// its staging namespaces.
	Within []string
	// PushTo marks a build token (see account.TokenBuild): a read-only
	// token that may also push to these repositories, and nothing else.
	// Within, when set, then limits only the non-public pulls.
	PushTo []string
	// CredentialID names the access token or license used, for audit and
	// seat counting.
	CredentialID string
}

// Account reports whether the principal acts for an account on the API.
func (p Principal) Account() bool {
	switch p.Kind {
	case Session, Password, Token:
		return p.UserID != ""
	}
	return false
}

// MayPush reports whether a build token may push to repo.
func (p Principal) MayPush(repo string) bool {
	repo = strings.ToLower(repo)
	return slices.Contains(p.PushTo, repo)
}

// Limited reports whether the credential is limited to some repositories.
func (p Principal) Limited() bool { return len(p.Within) > 0 }

// Covers reports whether the credential's limits include repo.
func (p Principal) Covers(repo string) bool {
	if len(p.Within) == 0 {
		return true
	}
	repo = strings.ToLower(repo)
	return slices.ContainsFunc(p.Within, func(w string) bool { return repo == w || strings.HasPrefix(repo, w+"/") })
}

// Interactive reports whether the credential is the account holder in
// person: a browser session or the password. Only these manage
// credentials and administer Berth.
func (p Principal) Interactive() bool {
	return (p.Kind == Session || p.Kind == Password) && p.UserID != ""
}
