package server

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/berth/berth/account"
	"github.com/berth/berth/catalog"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/publisher"
)

// redistribution answers the registry gate's questions for the
// redistribution rule from the catalog and the accounts.
type redistribution struct {
	catalog    catalog.Store
	publishers publisher.Store
	repos      catalog.RepositoryStore
	accounts   *account.Service
}

// Shipped lists every repository of every product, published or not: the
// publishers with published products, and every approved publisher.
func (r redistribution) Shipped(ctx context.Context) ([]licensing.Shipped, error) {
	slugs, err := r.catalog.PublisherSlugs(ctx)
	if err != nil {
		return nil, err
	}
	approved, err := r.publishers.PublishersByStatus(ctx, publisher.StatusApproved)
	if err != nil {
		return nil, fmt.Errorf("listing publishers: %w", err)
	}
	for _, p := range approved {
		if !slices.Contains(slugs, p.Slug) {
			slugs = append(slugs, p.Slug)
		}
	}
	var out []licensing.Shipped
	for _, slug := range slugs {
		products, err := r.catalog.ProductsByPublisher(ctx, slug)
		if err != nil {
			return nil, fmt.Errorf("listing the products of %s: %w", slug, err)
		}
		for _, p := range products {
			out = append(out, shipped(p)...)
		}
	}
	return out, nil
}

// shipped is what a product's tiers make of each of its repositories.
func shipped(p catalog.Product) []licensing.Shipped {
	out := make([]licensing.Shipped, 0, len(p.Repositories))
	for _, repo := range p.Repositories {
		s := licensing.Shipped{Repository: repo, Product: p.Slug}
		for _, t := range p.Tiers {
			switch {
			case !slices.Contains(t.Repositories, repo):
			case t.Free():
				s.Free = append(s.Free, licensing.Entitlement{Versions: t.Versions, TagPattern: t.TagPattern})
			default:
				s.Paid = true
			}
		}
		out = append(out, s)
	}
	return out
}

// Public reports whether anyone may pull repo, or will once its first push
// creates it: the record's visibility, else the visibility a push would
// give it (as the registry-events handler decides).
func (r redistribution) Public(ctx context.Context, repo string) (bool, error) {
	rec, err := r.repos.RepositoryByName(ctx, strings.ToLower(repo))
	if err == nil {
		return !rec.Private, nil
	} else if !errors.Is(err, catalog.ErrNotFound) {
		return false, err
	}
	ns, _, _ := strings.Cut(repo, "/")
	owner, err := r.accounts.Namespace(ctx, ns)
	if errors.Is(err, account.ErrNotFound) {
		return false, nil // a publisher's or Berth's own
	} else if err != nil {
		return false, err
	}
	if owner.Kind != account.NamespaceUser {
		return true, nil
	}
	u, err := r.accounts.User(ctx, owner.OwnerID)
	if err != nil {
		return false, err
	}
	return !u.DefaultPrivate, nil
}
