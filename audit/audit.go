// Package audit is Berth's security audit log: sign-ins (successful and
// failed), credentials created and revoked, signing keys registered and
// revoked, role and membership changes, publisher reviews and admin actions,
// each recorded with its actor, credential kind, client address and outcome.
// Admins read every event; an organisation's owners read the events that
// name their organisation. Events are kept for Retention, like the token
// audit records, and then swept.
package audit

import (
	"context"
	"time"
)

// Retention is how long events are kept: 400 days, the same as licensing's
// token audit records and pulls (server/sweep.go's usageRetention), so that
// a year's security and token history can be read side by side with a
// month's margin.
const Retention = 400 * 24 * time.Hour

// Action names what happened.
type Action string

// The actions Berth records. Add a constant here rather than passing a
// literal, so that the pages and filters know every action.
const (
	SignIn               Action = "sign-in"
	SignInFailed         Action = "sign-in.failed"
	CredentialCreated    Action = "credential.created"
	CredentialRevoked    Action = "credential.revoked"
	PasswordChanged      Action = "password.changed"
	SigningKeyRegistered Action = "signing-key.registered"
	SigningKeyRevoked    Action = "signing-key.revoked"
	RoleChanged          Action = "role.changed"
	MemberAdded          Action = "member.added"
	MemberRemoved        Action = "member.removed"
	PublisherReviewed    Action = "publisher.reviewed"
	AdminAction          Action = "admin"
	// AccountLinked: an account was created for, or linked to, a directory
	// identity (directory/).
	AccountLinked Action = "account.linked"
	// AccountDisabled and AccountEnabled: the directory disabled, deleted
	// or restored the person behind an account.
	AccountDisabled Action = "account.disabled"
	AccountEnabled  Action = "account.enabled"
)

// Actions are every action, in the order a filter offers them.
var Actions = []Action{SignIn, SignInFailed, CredentialCreated, CredentialRevoked, PasswordChanged, SigningKeyRegistered,
	SigningKeyRevoked, RoleChanged, MemberAdded, MemberRemoved, PublisherReviewed, AdminAction,
	AccountLinked, AccountDisabled, AccountEnabled}

// Outcome says whether the action took effect.
type Outcome string

// Outcomes: Failure is an attempt that failed (a wrong password), Denied one
// refused for lack of permission.
const (
	Success Outcome = "success"
	Failure Outcome = "failure"
	Denied  Outcome = "denied"
)

// Credential kinds an actor may have used, for Event.Credential.
const (
	CredentialSession  = "session"
	CredentialPassword = "password"
	CredentialPAT      = "pat"
	CredentialPush     = "push-token"
	CredentialLicense  = "license-key"
	CredentialRefresh  = "refresh-token"
	CredentialAdmin    = "admin" // an operator at the command line or admin pages
	CredentialCLI      = "cli"
	// CredentialDirectory: a directory password (LDAP bind), or a change
	// the directory's group sync made.
	CredentialDirectory = "directory"
)

// Event is one recorded security event. It never holds a secret: callers
// must not put passwords, tokens, keys or their hashes in any field, Detail
// included; a credential is named by its ID in Target ("token:<id>").
type Event struct {
	ID         string // set by Service.Record
	At         time.Time
	Action     Action
	ActorID    string // the user's ID; empty when unknown (a failed sign-in)
	ActorName  string // the username, as given when the sign-in failed
	Credential string // the kind used, one of the Credential constants
	Address    string // the client's IP address
	Outcome    Outcome
	Target     string   // what it was done to: "token:<id>", "org:acme", "publisher:acme", "user:bob"
	Orgs       []string // IDs of the organisations whose owners may read the event
	Detail     string   // short free text, at most MaxDetail bytes
}

// Query selects a page of events, newest first. Every set field narrows it.
type Query struct {
	// OrgID keeps the events visible to that organisation's owners. Empty
	// means every event: only an admin's listing may leave it empty.
	OrgID   string
	ActorID string
	Action  Action
	// Before is the paging cursor: only events strictly older are listed
	// (none when zero). BeforeID, with Before, lets the next page continue
	// among events at exactly Before: those with an ID below it are listed
	// too. Query.Next sets both.
	Before   time.Time
	BeforeID string
	// Limit is the page size, from 1 to MaxLimit; 0 means DefaultLimit.
	Limit int
}

// Page sizes of a listing.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Next returns the query for the page after page, which q listed, and
// whether there may be one: a page shorter than q's limit was the last.
func (q Query) Next(page []Event) (Query, bool) {
	limit := q.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	if len(page) == 0 || len(page) < limit {
		return q, false
	}
	last := page[len(page)-1]
	q.Before, q.BeforeID = last.At, last.ID
	return q, true
}

// InvalidError reports an event or a query that fails validation; Field
// names the offending field and Message says what to do.
type InvalidError struct {
	Field   string
	Message string
}

func (e *InvalidError) Error() string { return e.Field + ": " + e.Message }

// Store persists events. The SQLite and MongoDB stores implement it and pass
// the shared suite in storetest.
type Store interface {
	// AddEvent stores e in one write. IDs are random (Service.Record makes
	// them), so a store need not check them for repeats.
	AddEvent(ctx context.Context, e Event) error
	// Events returns the events q selects, newest first (ties by ID,
	// descending), at most q.Limit; a limit below 1 returns none.
	Events(ctx context.Context, q Query) ([]Event, error)
	// DeleteEvents deletes the events older than before and returns how
	// many went.
	DeleteEvents(ctx context.Context, before time.Time) (int, error)
}
