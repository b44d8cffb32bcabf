package sqlitestore

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

// TestSearchFindsDescriptions checks what the shared suite cannot (the
// MongoDB store does not index descriptions): that a word found only in a
// description finds the product, below a product with it in the name.
func TestSearchFindsDescriptions(t *testing.T) {
	ctx := context.Background()
	s := storetesting.NewStore(t, sqldbtest.Open(t), New)
	for _, p := range []catalog.Product{
		{Slug: "tool", Name: "Query Tool", Summary: "Runs queries.", Description: "Works with SQLite and MySQL."},
		{Slug: "browser", Name: "SQLite Browser", Summary: "A GUI."},
		{Slug: "other", Name: "Other", Description: "Nothing to see."},
	} {
		if _, err := s.PutProduct(ctx, p); err != nil {
			t.Fatalf("PutProduct(%s): %v", p.Slug, err)
		}
	}
	for _, text := range []string{"sqlite", "sqlte"} {
		hits, err := s.Search(ctx, text, 10)
		if err != nil {
			t.Fatalf("Search(%s): %v", text, err)
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.Product.Slug)
		}
		if diff := cmp.Diff([]string{"browser", "tool"}, got); diff != "" {
			t.Errorf("Search(%s) (-want +got):\n%s", text, diff)
		}
	}
}

func TestPickTrigrams(t *testing.T) {
	docs := map[string]int64{"com": 900, "omm": 50, "mmo": 40, "mon": 600, "xyz": 5, "zzz": 0}
	for _, tc := range []struct {
		name   string
		words  [][]string
		budget int
		want   []string
	}{
		{"within the budget, rarest first", [][]string{{"com", "omm", "mmo", "mon"}}, 10_000,
			[]string{"mmo", "omm", "mon", "com"}},
		{"common ones left out", [][]string{{"com", "omm", "mmo", "mon"}}, 100, []string{"mmo", "omm"}},
		{"the rarest even over the budget", [][]string{{"com", "mon"}}, 100, []string{"mon"}},
		{"none held", [][]string{{"zzz", "qqq"}}, 100, nil},
		{"a share of the budget per word", [][]string{{"omm", "mmo", "mon"}, {"xyz", "com"}}, 1300,
			[]string{"mmo", "omm", "xyz"}},
		{"a trigram of two words once", [][]string{{"mmo"}, {"mmo", "xyz"}}, 1000, []string{"mmo", "xyz"}},
		{"a common word left out", [][]string{{"com"}, {"mmo", "omm"}}, 200, []string{"mmo", "omm"}},
		{"every word common: the rarest of all", [][]string{{"com"}, {"mon", "com"}}, 200, []string{"mon"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, pickTrigrams(tc.words, docs, tc.budget)); diff != "" {
				t.Errorf("pickTrigrams (-want +got):\n%s", diff)
			}
		})
	}
}
