package demo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/publisher"
)

// seedRecords upserts the demo publishers, then the products that name them.
func seedRecords(ctx context.Context, d Deps, rep *Report) error {
	for _, p := range Publishers() {
		wrote, err := putPublisher(ctx, d.Publishers, p)
		if err != nil {
			return err
		}
		rep.Publishers++
		if wrote {
			rep.RecordsWritten++
		}
	}
	for _, p := range Products() {
		wrote, err := putProduct(ctx, d.Catalog, p)
		if err != nil {
			return err
		}
		rep.Products++
		if wrote {
			rep.RecordsWritten++
		}
	}
	return nil
}

// putPublisher writes want unless the stored publisher already matches it,
// keeping the stored ID, creation time and members, and reports whether it wrote.
func putPublisher(ctx context.Context, s publisher.Store, want publisher.Publisher) (bool, error) {
	have, err := s.PublisherBySlug(ctx, want.Slug)
	switch {
	case err == nil && samePublisher(have, want):
		return false, nil
	case err == nil:
		want.ID, want.CreatedAt, want.Members = have.ID, have.CreatedAt, have.Members
	case errors.Is(err, publisher.ErrNotFound):
		want.ID, want.CreatedAt = secret.ID(), time.Now().UTC()
	default:
		return false, fmt.Errorf("reading demo publisher %s: %w", want.Slug, err)
	}
	if _, err := s.PutPublisher(ctx, want); err != nil {
		return false, fmt.Errorf("writing demo publisher %s: %w", want.Slug, err)
	}
	return true, nil
}

// putProduct writes want unless the stored product already matches it,
// keeping the stored ID, creation time and counters, and reports whether it wrote.
func putProduct(ctx context.Context, s catalog.Store, want catalog.Product) (bool, error) {
	have, err := s.ProductBySlug(ctx, want.Slug)
	now := time.Now().UTC()
	switch {
	case err == nil && sameProduct(have, want):
		return false, nil
	case err == nil:
		want.ID, want.CreatedAt, want.Stars, want.Pulls = have.ID, have.CreatedAt, have.Stars, have.Pulls
	case errors.Is(err, catalog.ErrNotFound):
		want.ID, want.CreatedAt = secret.ID(), now
	default:
		return false, fmt.Errorf("reading demo product %s: %w", want.Slug, err)
	}
	want.UpdatedAt = now
	if _, err := s.PutProduct(ctx, want); err != nil {
		return false, fmt.Errorf("writing demo product %s: %w", want.Slug, err)
	}
	return true, nil
}

// samePublisher compares the fields the demo sets.
func samePublisher(a, b publisher.Publisher) bool {
	return a.Slug == b.Slug && a.Name == b.Name && a.Verified == b.Verified &&
		slices.Equal(a.Namespaces, b.Namespaces)
}

// sameProduct compares the fields the demo sets; nil and empty lists are equal.
func sameProduct(a, b catalog.Product) bool {
	return a.Slug == b.Slug && a.Name == b.Name && a.Publisher == b.Publisher &&
		a.Kind == b.Kind && a.Badge == b.Badge && a.Summary == b.Summary &&
		a.Description == b.Description && slices.Equal(a.Categories, b.Categories) &&
		slices.Equal(a.Repositories, b.Repositories) && slices.EqualFunc(a.Tiers, b.Tiers, sameTier)
}

// sameTier compares two tiers field by field.
func sameTier(a, b catalog.Tier) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Description == b.Description &&
		a.Price == b.Price && a.Currency == b.Currency && slices.Equal(a.Repositories, b.Repositories)
}
