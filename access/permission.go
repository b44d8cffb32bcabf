package access

import "fmt"

// Resource is what a permission is on.
type Resource string

// The resources routes declare permissions on.
const (
	// Public is open to everyone, anonymous visitors included.
	Public Resource = "public"
	// Internal routes authenticate callers by a scheme of their own (the
	// registry's notification bearer, Stripe's signature, the token
	// endpoint's credentials) and take no account credential.
	Internal Resource = "internal"
	// Account is the caller's own account: profile, licenses, orders, stars.
	Account Resource = "account"
	// Credentials are the caller's own credentials and security: password,
	// access tokens, sessions, registry clients, deleting the account, and
	// minting keys and push tokens. Only the holder in person (session or
	// password) manages them.
	Credentials Resource = "credentials"
	// Admin is Berth's administration.
	Admin Resource = "admin"
	// Org is an organisation, named by Param.
	Org Resource = "org"
	// Publisher is a publisher, named by Param (its slug).
	Publisher Resource = "publisher"
	// License is a license, named by Param (its ID).
	License Resource = "license"
	// Order is a purchase, named by Param (its ID).
	Order Resource = "order"
	// Repository is a user's or organisation's repository, named by the
	// route parameters "ns" and "name".
	Repository Resource = "repository"
	// Namespace is a user's or organisation's namespace, named by Param
	// (a route parameter or a field of the request body).
	Namespace Resource = "namespace"
	// Purchase is buying for the caller, or for the organisation named by
	// Param when it is set and not the caller.
	Purchase Resource = "purchase"
	// Listing is a product in the catalog, named by Param (its slug):
	// everyone sees a published one; a draft only its publisher's members
	// and Berth's administrators, and to anyone else it does not exist.
	Listing Resource = "listing"
	// Image is what a repository holds, named by the route parameters "ns"
	// and "name": a catalog product's repository is seen as its listing is
	// (everyone, drafts only their publisher's members); a user's or
	// organisation's as the repository is (private ones only by those with
	// a permission on it).
	Image Resource = "image"
	// Builds are a repository's automated builds, named by the route
	// parameters "ns" and "name": a user's or organisation's repository's
	// are decided as the repository is; a catalog product's repository's
	// by the caller's role in its publisher (owners manage, editors write,
	// viewers read, Berth's administrators nothing: a publisher's builds
	// are signed with its key), and hidden from everyone else.
	Builds Resource = "builds"
	// Acting is acting for the caller, or as a member of the organisation
	// named by Param when it is set and not the caller.
	Acting Resource = "acting"
)

// Level is how much of a resource a permission needs.
type Level int

// Levels, each including the ones before it.
const (
	Read   Level = iota + 1 // look
	Write                   // change content
	Manage                  // change who may do what, delete, mint credentials
	Own                     // what only an organisation's owners may: read its security log
)

func (l Level) String() string {
	switch l {
	case Read:
		return "read"
	case Write:
		return "write"
	case Manage:
		return "manage"
	case Own:
		return "own"
	}
	return fmt.Sprintf("level(%d)", int(l))
}

// Permission is what a route needs: a level of one resource, named by
// Param where the resource is not the caller's own.
type Permission struct {
	Resource Resource
	Level    Level
	// Param names the route parameter (or, failing that, the form or JSON
	// body field) that names the resource.
	Param string
	// Hide answers refusals as if the route did not exist (404): admin
	// pages look like any missing page to everyone else.
	Hide bool
	// InPerson takes the account holder in person (session or password):
	// routes that mint credentials, such as push tokens and license keys.
	InPerson bool
	// MembersOnly takes a role of the caller's own: Berth's
	// administrators, who otherwise act as any publisher's owners, do not
	// act for it here (a push token pushes as its member).
	MembersOnly bool
}

func (p Permission) String() string {
	s := string(p.Resource)
	if p.Level > 0 {
		s = p.Level.String() + " " + s
	}
	if p.Param != "" {
		s += " :" + p.Param
	}
	return s
}

// Declared reports whether p names a resource this package decides on:
// a zero Permission is a route that forgot to declare.
func (p Permission) Declared() bool {
	switch p.Resource {
	case Public, Internal, Credentials, Admin, Purchase, Acting, Listing, Image:
		return true
	case Account, Org, Publisher, License, Order, Repository, Namespace, Builds:
		return p.Level >= Read && p.Level <= Own
	}
	return false
}

// Anyone is the permission of public pages and API.
var Anyone = Permission{Resource: Public}

// OwnAuth is the permission of routes that authenticate callers themselves.
var OwnAuth = Permission{Resource: Internal}

// OwnCredentials is the permission to manage one's own credentials.
var OwnCredentials = Permission{Resource: Credentials, Level: Manage}

// Administer is the permission of Berth's admin API.
var Administer = Permission{Resource: Admin, Level: Manage}

// AdminPage is Administer for pages: hidden from everyone else.
var AdminPage = Permission{Resource: Admin, Level: Manage, Hide: true}

// Personally returns p for the account holder in person only.
func (p Permission) Personally() Permission { p.InPerson = true; return p }

// OnlyMembers returns p for holders of a role of their own only.
func (p Permission) OnlyMembers() Permission { p.MembersOnly = true; return p }

// Self needs level of the caller's own account.
func Self(level Level) Permission { return Permission{Resource: Account, Level: level} }

// OnOrg needs level of the organisation named by param.
func OnOrg(level Level, param string) Permission {
	return Permission{Resource: Org, Level: level, Param: param}
}

// OnPublisher needs level of the publisher named by param.
func OnPublisher(level Level, param string) Permission {
	return Permission{Resource: Publisher, Level: level, Param: param}
}

// OnLicense needs level of the license named by param.
func OnLicense(level Level, param string) Permission {
	return Permission{Resource: License, Level: level, Param: param}
}

// OnOrder needs to be the buyer of the order named by param.
func OnOrder(param string) Permission { return Permission{Resource: Order, Level: Read, Param: param} }

// OnRepository needs level of the repository named by the route's "ns"
// and "name" parameters.
func OnRepository(level Level) Permission { return Permission{Resource: Repository, Level: level} }

// OnBuilds needs level of the automated builds of the repository named by
// the route parameters "ns" and "name".
func OnBuilds(level Level) Permission { return Permission{Resource: Builds, Level: level} }

// InNamespace needs level of the namespace named by param.
func InNamespace(level Level, param string) Permission {
	return Permission{Resource: Namespace, Level: level, Param: param}
}

// OnListing needs to see the product named by param.
func OnListing(param string) Permission {
	return Permission{Resource: Listing, Level: Read, Param: param}
}

// OnImage needs to see what the repository named by the route's "ns" and
// "name" parameters holds.
var OnImage = Permission{Resource: Image, Level: Read}

// ActFor is the permission to act for oneself, or for the organisation
// named by param as one of its members.
func ActFor(param string) Permission { return Permission{Resource: Acting, Level: Read, Param: param} }

// BuyFor is the permission to buy for oneself, or for the organisation
// named by param.
func BuyFor(param string) Permission {
	return Permission{Resource: Purchase, Level: Write, Param: param}
}
