// Package facts reads what access decisions need from Berth's domains: a
// user's relations to organisations, publishers, licenses, orders and
// repositories, in the domains' own words. It decides nothing; the access
// package does.
package facts

import (
	"context"
	"errors"
	"slices"

	"github.com/berth/berth/access"
	"github.com/berth/berth/account"
	"github.com/berth/berth/billing"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/publishing"
)

// Domains are the services facts are read from. Fields may be set after
// the access.Decider built over Domains exists (the token server takes the
// decider and is itself built before billing), but before it is asked. A
// nil service knows no resources of its kind.
type Domains struct {
	Accounts     *account.Service
	Publishers   PublisherLookup
	Licenses     *licensing.Service
	Billing      *billing.Service
	Repositories *catalog.Repositories
	Products     ProductLookup
}

// ProductLookup is what facts read of the catalog's products.
type ProductLookup interface {
	ProductBySlug(ctx context.Context, slug string) (catalog.Product, error)
	ProductByRepository(ctx context.Context, repo string) (string, error)
}

// ImageListing names the product that ships repo.
func (f *Domains) ImageListing(ctx context.Context, repo string) (string, error) {
	if f.Products == nil {
		return "", access.ErrNoResource
	}
	slug, err := f.Products.ProductByRepository(ctx, repo)
	return slug, missing(err, catalog.ErrNotFound)
}

// Listing names a product's publisher and whether it is published.
func (f *Domains) Listing(ctx context.Context, slug string) (string, bool, error) {
	if f.Products == nil {
		return "", false, access.ErrNoResource
	}
	p, err := f.Products.ProductBySlug(ctx, slug)
	if err != nil {
		return "", false, missing(err, catalog.ErrNotFound)
	}
	return p.Publisher, p.Published(), nil
}

// PublisherLookup is what facts read of publishers.
type PublisherLookup interface {
	PublisherBySlug(ctx context.Context, slug string) (publisher.Publisher, error)
	PublishersByMember(ctx context.Context, userID string) ([]publisher.Publisher, error)
}

var _ access.RegistryFacts = (*Domains)(nil)

// missing turns a domain's not-found into access.ErrNoResource.
func missing(err error, notFound error) error {
	if errors.Is(err, notFound) {
		return access.ErrNoResource
	}
	return err
}

// OrgRole is the user's role in the organisation named, from the account domain.
func (f *Domains) OrgRole(ctx context.Context, userID, name string) (string, error) {
	o, err := f.Accounts.Org(ctx, name)
	if err != nil {
		return "", missing(err, account.ErrNotFound)
	}
	return string(o.Role(userID)), nil
}

// PublisherRole is the user's role in the publisher: its recorded role, or
// editor for members from before roles.
func (f *Domains) PublisherRole(ctx context.Context, userID, slug string) (string, error) {
	if f.Publishers == nil {
		return "", access.ErrNoResource
	}
	p, err := f.Publishers.PublisherBySlug(ctx, slug)
	if err != nil {
		return "", missing(err, publisher.ErrNotFound)
	}
	return string(publisherRole(p, userID)), nil
}

// publisherRole is the user's role: Members without a recorded role are
// editors (publishers made before roles).
func publisherRole(p publisher.Publisher, userID string) publisher.Role {
	if r := p.Roles[userID]; r != "" {
		return r
	}
	if slices.Contains(p.Members, userID) {
		return publisher.RoleEditor
	}
	return ""
}

// LicenseRole is "manager" for the license's holder and the owners and
// admins of the organisation holding it, "holder" for its other members.
func (f *Domains) LicenseRole(ctx context.Context, userID, id string) (string, error) {
	if f.Licenses == nil {
		return "", access.ErrNoResource
	}
	l, err := f.Licenses.License(ctx, id)
	if err != nil {
		return "", missing(err, licensing.ErrNotFound)
	}
	if l.Owner == userID {
		return "manager", nil
	}
	orgs, err := f.Accounts.OrgsOf(ctx, userID)
	if err != nil {
		return "", err
	}
	for _, o := range orgs {
		if o.ID != l.Owner {
			continue
		}
		if r := o.Role(userID); r == account.RoleOwner || r == account.RoleAdmin {
			return "manager", nil
		}
		return "holder", nil
	}
	return "", nil
}

// OrderRole is "buyer" for the user who bought the order.
func (f *Domains) OrderRole(ctx context.Context, userID, id string) (string, error) {
	if f.Billing == nil {
		return "", access.ErrNoResource
	}
	o, err := f.Billing.Order(ctx, id)
	if err != nil {
		return "", missing(err, billing.ErrNotFound)
	}
	if o.Buyer == userID {
		return "buyer", nil
	}
	return "", nil
}

// Repository is the user's relation to a repository, from the catalog,
// which owns repositories.
func (f *Domains) Repository(ctx context.Context, userID, repo string) (access.RepositoryFacts, error) {
	a, err := f.Repositories.Access(ctx, permissions{f.Accounts}, userID, repo)
	return access.RepositoryFacts{Perm: a.Perm, Public: a.Public, Exists: a.Exists}, err
}

// NamespaceRole is "admin" for a namespace's user, or an owner or admin of
// its organisation.
func (f *Domains) NamespaceRole(ctx context.Context, userID, ns string) (string, error) {
	if _, err := f.Accounts.Namespace(ctx, ns); err != nil {
		return "", missing(err, account.ErrNotFound)
	}
	perm, err := f.Accounts.RepositoryPermission(ctx, userID, ns+"/")
	if perm == account.PermAdmin {
		return "admin", err
	}
	return "", err
}

// PublisherNamespaces lists the namespaces of the approved publishers the
// user has a role in, with their staging namespaces.
func (f *Domains) PublisherNamespaces(ctx context.Context, userID string) ([]access.NamespaceGrant, error) {
	if f.Publishers == nil {
		return nil, nil
	}
	ps, err := f.Publishers.PublishersByMember(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []access.NamespaceGrant
	for _, p := range ps {
		if p.Status != publisher.StatusApproved && p.Status != "" {
			continue
		}
		for _, ns := range p.Namespaces {
			out = append(out, access.NamespaceGrant{Namespace: ns, Staging: publishing.StagingPrefix + ns, Role: string(publisherRole(p, userID))})
		}
	}
	return out, nil
}

// permissions adapts account permissions to the catalog's question.
type permissions struct{ accounts *account.Service }

// RepositoryPermission is the account domain's answer, as a string.
func (p permissions) RepositoryPermission(ctx context.Context, userID, repo string) (string, error) {
	perm, err := p.accounts.RepositoryPermission(ctx, userID, repo)
	return string(perm), err
}
