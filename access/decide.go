package access

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Outcome is the kind of answer a decision gives.
type Outcome int

// Outcomes. The zero value refuses.
const (
	// Unauthenticated asks for a credential this route takes (401).
	Unauthenticated Outcome = iota
	// Allowed lets the request through.
	Allowed
	// Forbidden refuses a caller who is known but may not (403).
	Forbidden
	// Hidden refuses as if the resource did not exist (404): the caller
	// may not even know it is there.
	Hidden
)

// Decision is the answer to one request: the outcome and, for a refusal,
// the reason the caller is told.
type Decision struct {
	Outcome Outcome
	Reason  string
}

// Allowed reports whether the decision lets the request through.
func (d Decision) Allowed() bool { return d.Outcome == Allowed }

// Err returns the refusal as an error for callers that answer with one
// (HTTP handlers map it by its outcome), or nil if the decision allows.
func (d Decision) Err() error {
	if d.Allowed() {
		return nil
	}
	return &RefusedError{Decision: d}
}

// RefusedError is a refused decision carried as an error.
type RefusedError struct{ Decision Decision }

func (e *RefusedError) Error() string { return e.Decision.Reason }

func allow() Decision                   { return Decision{Outcome: Allowed} }
func unauthenticated(r string) Decision { return Decision{Outcome: Unauthenticated, Reason: r} }
func forbid(r string) Decision          { return Decision{Outcome: Forbidden, Reason: r} }
func hide(r string) Decision            { return Decision{Outcome: Hidden, Reason: r} }

// ErrNoResource is what Facts return for a resource that does not exist.
var ErrNoResource = errors.New("no such resource")

// Facts are what decisions read from the domains: the caller's relation to
// one resource, in the domains' own words (role names), which this package
// alone turns into levels. A missing resource is ErrNoResource.
type Facts interface {
	// OrgRole is the user's role in an organisation: "owner", "admin",
	// "member", or "" for none.
	OrgRole(ctx context.Context, userID, org string) (string, error)
	// PublisherRole is the user's role in a publisher: "owner", "editor",
	// "viewer", or "" for none.
	PublisherRole(ctx context.Context, userID, slug string) (string, error)
	// LicenseRole is the user's relation to a license: "manager" (holder,
	// or owner or admin of the holding organisation), "holder" (member of
	// the holding organisation), or "".
	LicenseRole(ctx context.Context, userID, id string) (string, error)
	// OrderRole is "buyer" when the user bought the order, else "".
	OrderRole(ctx context.Context, userID, id string) (string, error)
	// Repository is the user's permission on a user's or organisation's
	// repository ("read", "write", "admin" or ""), whether it is public,
	// and whether it exists yet (a namespace's owner may create it by
	// pushing); userID is empty for anonymous callers.
	Repository(ctx context.Context, userID, repo string) (RepositoryFacts, error)
	// Listing names the publisher of a product and whether it is
	// published.
	Listing(ctx context.Context, slug string) (publisher string, published bool, err error)
	// ImageListing names the product whose repository repo is, or
	// ErrNoResource when no product ships it.
	ImageListing(ctx context.Context, repo string) (slug string, err error)
	// NamespaceRole is the user's permission on a user's or organisation's
	// namespace: "admin" for its user or the organisation's owners and
	// admins, "member" for other members, or "".
	NamespaceRole(ctx context.Context, userID, ns string) (string, error)
}

// RepositoryFacts are a user's relation to one repository.
type RepositoryFacts struct {
	Perm   string
	Public bool
	Exists bool
}

// Decider makes every authorization decision.
type Decider struct {
	facts Facts
}

// New returns a Decider reading relations from facts.
func New(facts Facts) *Decider { return &Decider{facts: facts} }

// Decide says whether p may use a route declaring perm; name is the
// resource the route names (the value of perm.Param, or "ns/name" for a
// repository).
func (d *Decider) Decide(ctx context.Context, p Principal, perm Permission, name string) (Decision, error) {
	dec, err := d.decide(ctx, p, perm, name)
	if err != nil {
		return Decision{}, fmt.Errorf("deciding %s for a %s credential: %w", perm, p.Kind, err)
	}
	if dec.Allowed() && perm.InPerson && !p.Interactive() {
		dec = forbid("access tokens cannot do this: sign in with your password or in a browser")
	}
	if perm.Hide && !dec.Allowed() {
		return hide("not found"), nil
	}
	return dec, nil
}

func (d *Decider) decide(ctx context.Context, p Principal, perm Permission, name string) (Decision, error) {
	if perm.Resource == Internal {
		return allow(), nil
	}
	if dec, ok := surface(p); !ok {
		return dec, nil
	}
	switch perm.Resource {
	case Public:
		return allow(), nil
	case Account:
		return account(p, perm.Level), nil
	case Credentials:
		return credentials(p), nil
	case Admin:
		return administer(p), nil
	case Repository, Namespace:
		return d.repository(ctx, p, perm, name)
	case Builds:
		return d.builds(ctx, p, perm, name)
	case Listing:
		return d.listing(ctx, p, name)
	case Image:
		return d.image(ctx, p, name)
	}
	if dec := account(p, perm.Level); !dec.Allowed() {
		return dec, nil
	}
	switch perm.Resource {
	case Org:
		return d.org(ctx, p, perm.Level, name)
	case Publisher:
		return d.publisher(ctx, p, perm, name)
	case License:
		return d.related(ctx, p, perm.Level, name, "license", d.facts.LicenseRole, licenseLevels)
	case Order:
		return d.related(ctx, p, perm.Level, name, "order", d.facts.OrderRole, orderLevels)
	case Purchase, Acting:
		if name == "" || strings.EqualFold(name, p.Name) {
			return allow(), nil
		}
		if perm.Resource == Acting {
			return d.org(ctx, p, Read, name)
		}
		return d.org(ctx, p, Manage, name)
	}
	return forbid("this route declares no permission Berth knows"), nil
}

// surface refuses credentials that have no reach on pages or the API at
// all, with a reason that says where they do work.
func surface(p Principal) (Decision, bool) {
	switch p.Kind {
	case Anonymous, Session, Password, Token:
		return allow(), true
	case LicenseKey:
		return unauthenticated("a license key only logs registry clients in (docker login); sign in with your account to use the API"), false
	case PushToken:
		return unauthenticated("a push token only pushes to a publisher's staging namespaces with docker push; sign in with your account to use the API"), false
	case Refresh:
		return unauthenticated("a refresh token is only for the registry token endpoint"), false
	}
	return unauthenticated("unknown credential"), false
}

// account decides a level of the caller's own account.
func account(p Principal, level Level) Decision {
	switch {
	case !p.Account():
		return unauthenticated("sign in: send your username and password, or an access token, with HTTP basic authentication")
	case p.Limited():
		return forbid("this access token is limited to " + strings.Join(p.Within, ", ") + ": it cannot act on the rest of the account")
	case p.ReadOnly && level > Read:
		return forbid("this access token is read-only")
	}
	return allow()
}

func credentials(p Principal) Decision {
	if dec := account(p, Manage); !dec.Allowed() {
		return dec
	}
	if !p.Interactive() {
		return forbid("access tokens cannot manage credentials: sign in with your password")
	}
	return allow()
}

func administer(p Principal) Decision {
	if dec := credentials(p); !dec.Allowed() {
		if dec.Outcome == Forbidden {
			dec.Reason = "administration takes an administrator's password or browser session, not an access token"
		}
		return dec
	}
	if !p.Admin {
		return forbid("only Berth's administrators may do that")
	}
	return allow()
}
