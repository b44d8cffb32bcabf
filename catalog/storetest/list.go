package storetest

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/catalog"
)

func testList(t *testing.T, s catalog.Store) {
	ctx := context.Background()
	for _, p := range []catalog.Product{
		{Slug: "e", Stars: 0, Pulls: 0, Kind: catalog.KindPlugin, Badge: catalog.BadgeOfficial},
		{Slug: "c", Stars: 3, Pulls: 100, Kind: catalog.KindImage, Badge: catalog.BadgeNone},
		{Slug: "d", Stars: 10, Pulls: 5, Kind: catalog.KindImage, Badge: catalog.BadgeNone, Repositories: []string{"x/d"}},
		{Slug: "b", Stars: 10, Pulls: 9, Kind: catalog.KindPlugin, Badge: catalog.BadgeCertified},
		{Slug: "a", Stars: 10, Pulls: 5, Kind: catalog.KindImage, Badge: catalog.BadgeOfficial,
			Repositories: []string{"x/a"}, Tiers: []catalog.Tier{{ID: "t", Price: 1}}},
	} {
		mustPut(t, s, p)
	}
	badge := func(b catalog.Badge) *catalog.Badge { return &b }
	for _, tc := range []struct {
		name string
		q    catalog.ListQuery
		want []string
	}{
		{"everything", catalog.ListQuery{}, []string{"b", "a", "d", "c", "e"}},
		{"kind", catalog.ListQuery{Kind: catalog.KindImage}, []string{"a", "d", "c"}},
		{"badge", catalog.ListQuery{Badge: badge(catalog.BadgeOfficial)}, []string{"a", "e"}},
		{"empty badge", catalog.ListQuery{Badge: badge(catalog.BadgeNone)}, []string{"d", "c"}},
		{"kind and badge", catalog.ListQuery{Kind: catalog.KindPlugin, Badge: badge(catalog.BadgeOfficial)}, []string{"e"}},
		{"nothing matches", catalog.ListQuery{Kind: catalog.KindImage, Badge: badge(catalog.BadgeCertified)}, nil},
		{"limit", catalog.ListQuery{Limit: 2}, []string{"b", "a"}},
		{"offset and limit", catalog.ListQuery{Offset: 2, Limit: 2}, []string{"d", "c"}},
		{"offset", catalog.ListQuery{Offset: 4}, []string{"e"}},
		{"offset past the end", catalog.ListQuery{Offset: 10}, nil},
		{"filter then page", catalog.ListQuery{Kind: catalog.KindImage, Offset: 1, Limit: 1}, []string{"d"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListProducts(ctx, tc.q)
			if err != nil {
				t.Fatalf("ListProducts: %v", err)
			}
			var slugs []string
			for _, p := range got {
				slugs = append(slugs, p.Slug)
			}
			if diff := cmp.Diff(tc.want, slugs); diff != "" {
				t.Errorf("slugs mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("products are complete", func(t *testing.T) {
		got, err := s.ListProducts(ctx, catalog.ListQuery{})
		if err != nil {
			t.Fatalf("ListProducts: %v", err)
		}
		for _, p := range got {
			if diff := cmp.Diff(mustProduct(t, s, p.Slug), p, equate); diff != "" {
				t.Errorf("listed %s differs from ProductBySlug (-want +got):\n%s", p.Slug, diff)
			}
		}
	})
}
