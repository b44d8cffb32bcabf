package mongostore_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/bson"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/catalog/mongostore"
	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/storetesting"
)

// TestNewIndexesExistingProducts stores products as the store wrote them
// before Explore and Search, then checks that New derives their query
// fields and publishes them: they are filtered, sorted, counted and found
// like new ones.
func TestNewIndexesExistingProducts(t *testing.T) {
	ctx := context.Background()
	db := mongotest.Start(t)
	old := func(id, slug, name string, categories []string, price int64) bson.D {
		return bson.D{
			{Key: "_id", Value: id}, {Key: "slug", Value: slug}, {Key: "name", Value: name},
			{Key: "publisher", Value: "acme"}, {Key: "kind", Value: "image"}, {Key: "badge", Value: ""},
			{Key: "summary", Value: ""}, {Key: "description", Value: ""}, {Key: "categories", Value: categories},
			{Key: "tiers", Value: bson.A{bson.D{{Key: "id", Value: "t"}, {Key: "name", Value: ""},
				{Key: "description", Value: ""}, {Key: "price", Value: price}, {Key: "currency", Value: "usd"},
				{Key: "repositories", Value: nil}}}},
			{Key: "stars", Value: int64(0)}, {Key: "pulls", Value: int64(0)},
			{Key: "created_at", Value: int64(1)}, {Key: "updated_at", Value: int64(1)},
		}
	}
	_, err := db.Collection("products").InsertMany(ctx, []any{
		old("p1", "pg", "PostgreSQL", []string{"database"}, 0),
		old("p2", "redis", "redis", []string{"database", "cache"}, 900),
	})
	if err != nil {
		t.Fatalf("inserting old products: %v", err)
	}
	s := storetesting.NewStore(t, db, mongostore.New)

	for _, tc := range []struct {
		q    catalog.ExploreQuery
		want []string
	}{
		{catalog.ExploreQuery{Price: "free"}, []string{"pg"}},
		{catalog.ExploreQuery{Category: "cache"}, []string{"redis"}},
		{catalog.ExploreQuery{Sort: catalog.SortName}, []string{"pg", "redis"}},
	} {
		page, err := s.Explore(ctx, tc.q)
		if err != nil {
			t.Fatalf("Explore: %v", err)
		}
		var got []string
		for _, p := range page.Products {
			got = append(got, p.Slug)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Explore(%+v) (-want +got):\n%s", tc.q, diff)
		}
	}
	cats, err := s.Categories(ctx, "")
	if err != nil {
		t.Fatalf("Categories: %v", err)
	}
	if diff := cmp.Diff([]catalog.CategoryCount{{Name: "cache", Products: 1}, {Name: "database", Products: 2}}, cats); diff != "" {
		t.Errorf("Categories (-want +got):\n%s", diff)
	}
	hits, err := s.Search(ctx, "postgers", 1)
	if err != nil || len(hits) != 1 || hits[0].Product.Slug != "pg" {
		t.Errorf("Search(postgers) = %v, %v; want pg", hits, err)
	}
}
