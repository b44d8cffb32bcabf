// Package storetest is the behaviour suite every catalog.Store must pass; the
// SQLite and MongoDB implementations both run it.
package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/storetesting"
)

// Run runs the suite. newStore must return a new, empty store for each call.
func Run(t *testing.T, newStore func(t *testing.T) catalog.Store) {
	storetesting.Run(t, newStore, []storetesting.Test[catalog.Store]{
		{Name: "RoundTrip", Run: testRoundTrip},
		{Name: "NotFound", Run: testNotFound},
		{Name: "Upsert", Run: testUpsert},
		{Name: "RepositoryTaken", Run: testRepositoryTaken},
		{Name: "List", Run: testList},
		{Name: "RecordPull", Run: testRecordPull},
		{Name: "RecordPullConcurrently", Run: testRecordPullConcurrently},
		{Name: "ProductByRepository", Run: testProductByRepository},
		{Name: "ExploreSorts", Run: testExploreSorts},
		{Name: "ExploreFilters", Run: testExploreFilters},
		{Name: "ExplorePages", Run: testExplorePages},
		{Name: "SetPlatforms", Run: testSetPlatforms},
		{Name: "SetPluginInterfaces", Run: testSetPluginInterfaces},
		{Name: "ExplorePluginInterfaces", Run: testExplorePluginInterfaces},
		{Name: "Categories", Run: testCategories},
		{Name: "ExploreTabs", Run: testExploreTabs},
		{Name: "PlatformsInUse", Run: testPlatformsInUse},
		{Name: "PublisherSlugs", Run: testPublisherSlugs},
		{Name: "SearchFindsSlips", Run: testSearchFindsSlips},
		{Name: "SearchRanksNamesFirst", Run: testSearchRanksNamesFirst},
		{Name: "SearchShortWords", Run: testSearchShortWords},
		{Name: "SearchNothing", Run: testSearchNothing},
		{Name: "SearchFollowsUpdates", Run: testSearchFollowsUpdates},
		{Name: "HiddenListings", Run: testHiddenListings},
		{Name: "ProductsByPublisher", Run: testProductsByPublisher},
	})
}

// equate treats nil and empty lists alike: stores need not tell them apart.
var equate = cmpopts.EquateEmpty()

// full is a product with every field set.
func full() catalog.Product {
	return catalog.Product{
		ID: "p1", Slug: "acme-db", Name: "Acme DB", Publisher: "acme",
		Kind: catalog.KindPlugin, Badge: catalog.BadgeCertified,
		Summary: "A database.", Description: "Line one.\nLine \"two\" — ünïcode.",
		Categories:   []string{"database", "storage"},
		Repositories: []string{"acme/db", "acme/db-tools", "acme/a-first"},
		Tiers: []catalog.Tier{
			{ID: "express", Name: "Express", Description: "Free.", Currency: "usd",
				Repositories: []string{"acme/db"}},
			{ID: "pro", Name: "Pro", Description: "All of it.", Price: 4999, Currency: "eur",
				Repositories: []string{"acme/db", "acme/db-tools"}, Seats: 5, Perpetual: true,
				Versions: ">=2.0.0 <3.0.0", TagPattern: "2.*", PullQuota: 1000, QuotaPeriod: "month",
				Interval: "year", TrialDays: 14, Terms: "You may run it.\nYou may not \"resell\" it — ünïcode.",
				TermsVersion: 3},
			{ID: "bare"},
		},
		Stars: 12, Pulls: 3400, Logo: "https://acme.example/logo.svg", Status: catalog.StatusPublished,
		Platforms: []string{"linux/amd64", "linux/arm64/v8"},
		CreatedAt: storetesting.T0, UpdatedAt: storetesting.T1,
	}
}

func testRoundTrip(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		in   catalog.Product
	}{
		{"every field set", full()},
		{"zero values", catalog.Product{ID: "p2", Slug: "bare"}},
		{"draft", catalog.Product{ID: "p3", Slug: "drafted", Status: catalog.StatusDraft}},
		{"unpublished", catalog.Product{ID: "p4", Slug: "withdrawn", Status: catalog.StatusUnpublished}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.in
			if want.Status == "" {
				want.Status = catalog.StatusPublished
			}
			put, err := s.PutProduct(ctx, tc.in)
			if err != nil {
				t.Fatalf("PutProduct: %v", err)
			}
			if diff := cmp.Diff(want, put, equate); diff != "" {
				t.Errorf("PutProduct result mismatch (-want +got):\n%s", diff)
			}
			got := mustProduct(t, s, tc.in.Slug)
			if diff := cmp.Diff(want, got, equate); diff != "" {
				t.Errorf("ProductBySlug mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("empty ID is filled in", func(t *testing.T) {
		put, err := s.PutProduct(ctx, catalog.Product{Slug: "no-id"})
		if err != nil {
			t.Fatalf("PutProduct: %v", err)
		}
		if put.ID == "" {
			t.Fatal("PutProduct returned an empty ID")
		}
		if got := mustProduct(t, s, "no-id"); got.ID != put.ID {
			t.Errorf("stored ID = %q, returned %q", got.ID, put.ID)
		}
	})
}

func testNotFound(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	mustPut(t, s, catalog.Product{ID: "p1", Slug: "acme-db"})
	for _, slug := range []string{"acme", "acme-db-2", ""} {
		p, err := s.ProductBySlug(ctx, slug)
		if !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("ProductBySlug(%q): err = %v, want ErrNotFound", slug, err)
		}
		if p.ID != "" {
			t.Errorf("ProductBySlug(%q) = %+v, want zero", slug, p)
		}
	}
}

// mustPut puts p and fails the test on error.
func mustPut(t *testing.T, s catalog.Store, p catalog.Product) catalog.Product {
	t.Helper()
	put, err := s.PutProduct(context.Background(), p)
	if err != nil {
		t.Fatalf("PutProduct(%s): %v", p.Slug, err)
	}
	return put
}

// mustProduct reads slug and fails the test on error.
func mustProduct(t *testing.T, s catalog.Store, slug string) catalog.Product {
	t.Helper()
	p, err := s.ProductBySlug(context.Background(), slug)
	if err != nil {
		t.Fatalf("ProductBySlug(%s): %v", slug, err)
	}
	return p
}
