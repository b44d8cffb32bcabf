package mongostore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
)

// sortKeys returns the sort of an Explore sort; an unknown one is popular.
func sortKeys(sort string) bson.D {
	switch sort {
	case catalog.SortNewest:
		return bson.D{{Key: "created_at", Value: -1}, {Key: "slug", Value: 1}}
	case catalog.SortUpdated:
		return bson.D{{Key: "updated_at", Value: -1}, {Key: "slug", Value: 1}}
	case catalog.SortName:
		return bson.D{{Key: "name_key", Value: 1}, {Key: "slug", Value: 1}}
	default:
		return bson.D{{Key: "stars", Value: -1}, {Key: "pulls", Value: -1}, {Key: "slug", Value: 1}}
	}
}

// exploreIndexes are the products indexes Explore and Search use: one per
// sort (popular's is New's "rank"), the same behind the badge, kind and
// publisher each, and multikey ones on the category, platform, plugin
// interface and search term arrays.
func exploreIndexes() []mongo.IndexModel {
	var out []mongo.IndexModel
	for _, sort := range []string{catalog.SortPopular, catalog.SortNewest, catalog.SortUpdated, catalog.SortName} {
		if sort != catalog.SortPopular {
			out = append(out, mongo.IndexModel{Keys: sortKeys(sort), Options: options.Index().SetName(sort)})
		}
		for _, field := range []string{"badge", "kind", "publisher"} {
			keys := append(bson.D{{Key: field, Value: 1}}, sortKeys(sort)...)
			out = append(out, mongo.IndexModel{Keys: keys, Options: options.Index().SetName(field + "_" + sort)})
		}
	}
	for _, field := range []string{"category_keys", "platform_keys", "plugin_interfaces", "terms", "name_terms"} {
		out = append(out, mongo.IndexModel{Keys: bson.D{{Key: field, Value: 1}}, Options: options.Index().SetName(field)})
	}
	return out
}

// Explore returns one page of the published products q selects, in q.Sort order (an
// unknown or empty sort is popular; names sort case-insensitively), reading
// Limit+1 documents to tell whether another page follows. A zero Limit
// means no limit; an unknown tab or price does not filter. Category, OS,
// Arch and Interface match exactly.
func (s *Store) Explore(ctx context.Context, q catalog.ExploreQuery) (catalog.ExplorePage, error) {
	opts := options.Find().SetSort(sortKeys(q.Sort)).SetSkip(int64(max(q.Offset, 0))).
		SetProjection(productProjection())
	if q.Limit > 0 {
		opts.SetLimit(int64(q.Limit) + 1)
	}
	out, err := mongodb.FindAll(ctx, s.products, exploreFilter(q), decodeProduct, opts)
	if err != nil {
		return catalog.ExplorePage{}, fmt.Errorf("exploring products: %w", err)
	}
	page := catalog.ExplorePage{Products: out}
	if q.Limit > 0 && len(out) > q.Limit {
		page.Products, page.More = out[:q.Limit], true
	}
	return page, nil
}

// exploreFilter returns the filter of Explore(q): every condition an
// equality, on a field or an element of an array field. They are ANDed
// explicitly, as the tab and q.Kind may both name the kind.
func exploreFilter(q catalog.ExploreQuery) bson.D {
	and := bson.A{bson.D{listed()}}
	is := func(field string, value any) { and = append(and, bson.D{{Key: field, Value: value}}) }
	and = append(and, tabFilter(q.Tab)...)
	if q.Kind != "" {
		is("kind", string(q.Kind))
	}
	if q.Publisher != "" {
		is("publisher", q.Publisher)
	}
	switch q.Price {
	case "free":
		is("has_free", true)
	case "paid":
		is("has_paid", true)
	}
	if q.Category != "" {
		is("category_keys", q.Category)
	}
	if key := platformFilterKey(q.OS, q.Arch); key != "" {
		is("platform_keys", key)
	}
	if q.Interface != "" {
		is("kind", string(catalog.KindPlugin))
		is("plugin_interfaces", q.Interface)
	}
	return bson.D{{Key: "$and", Value: and}}
}

// platformKeys returns the platform_keys of platforms: for each, "os=" its
// OS, "arch=" its architecture, and its "os/architecture", so that an OS,
// an architecture or both match one element, as platformFilterKey asks.
func platformKeys(platforms []string) []string {
	var keys []string
	for _, p := range platforms {
		system, arch, _ := strings.Cut(p, "/")
		arch, _, _ = strings.Cut(arch, "/")
		keys = append(keys, "os="+system, "arch="+arch, system+"/"+arch)
	}
	return storecodec.NilIfEmpty(storecodec.Distinct(keys))
}

// platformFilterKey returns the platform_keys element Explore's OS and Arch
// filters ask for, or "" for none.
func platformFilterKey(system, arch string) string {
	switch {
	case system != "" && arch != "":
		return system + "/" + arch
	case system != "":
		return "os=" + system
	case arch != "":
		return "arch=" + arch
	}
	return ""
}

// categoryKeys returns the category_keys of categories: each once, empty
// ones left out, for Explore's filter and Categories' counts.
func categoryKeys(categories []string) []string {
	return storecodec.NilIfEmpty(slices.DeleteFunc(storecodec.Distinct(categories),
		func(c string) bool { return c == "" }))
}

// SetPlatforms makes platforms, each once and sorted, the product's
// platforms, or returns catalog.ErrNotFound for an unknown slug.
func (s *Store) SetPlatforms(ctx context.Context, slug string, platforms []string) error {
	platforms = normalPlatforms(platforms)
	res, err := s.products.UpdateOne(ctx, bson.D{{Key: "slug", Value: slug}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "platforms", Value: platforms}, {Key: "platform_keys", Value: platformKeys(platforms)},
		}}})
	if err != nil {
		return fmt.Errorf("setting platforms of %s: %w", slug, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("product %s: %w", slug, catalog.ErrNotFound)
	}
	return nil
}

// normalPlatforms returns platforms without empty or repeated ones, sorted:
// the form both stores keep.
func normalPlatforms(platforms []string) []string {
	out := storecodec.Distinct(slices.DeleteFunc(slices.Clone(platforms),
		func(p string) bool { return p == "" }))
	slices.Sort(out)
	return storecodec.NilIfEmpty(out)
}

// tabFilter returns the conditions Explore's tab sets on a product.
func tabFilter(tab string) bson.A {
	var out bson.A
	badge, kind := catalog.TabFilter(tab)
	if badge != "" {
		out = append(out, bson.D{{Key: "badge", Value: string(badge)}})
	}
	if kind != "" {
		out = append(out, bson.D{{Key: "kind", Value: string(kind)}})
	}
	return out
}

// Categories returns every category with its count of the published
// products tab shows, by name, counted by the database.
func (s *Store) Categories(ctx context.Context, tab string) ([]catalog.CategoryCount, error) {
	match := bson.D{listed()}
	if and := tabFilter(tab); len(and) > 0 {
		match = bson.D{{Key: "$and", Value: append(bson.A{bson.D{listed()}}, and...)}}
	}
	cur, err := s.products.Aggregate(ctx, mongo.Pipeline{
		{{Key: "$match", Value: match}},
		{{Key: "$unwind", Value: "$category_keys"}},
		{{Key: "$group", Value: bson.D{
			{Key: "_id", Value: "$category_keys"}, {Key: "products", Value: bson.D{{Key: "$sum", Value: 1}}},
		}}},
		{{Key: "$sort", Value: bson.D{{Key: "_id", Value: 1}}}},
	})
	if err != nil {
		return nil, fmt.Errorf("counting categories: %w", err)
	}
	var counts []struct {
		Name     string `bson:"_id"`
		Products int    `bson:"products"`
	}
	if err := cur.All(ctx, &counts); err != nil {
		return nil, fmt.Errorf("counting categories: %w", err)
	}
	var out []catalog.CategoryCount
	for _, c := range counts {
		out = append(out, catalog.CategoryCount{Name: c.Name, Products: c.Products})
	}
	return out, nil
}

// PublisherSlugs returns every non-empty publisher slug with published
// products, by slug.
func (s *Store) PublisherSlugs(ctx context.Context) ([]string, error) {
	values, err := s.products.Distinct(ctx, "publisher",
		bson.D{listed(), {Key: "publisher", Value: bson.D{{Key: "$ne", Value: ""}}}})
	if err != nil {
		return nil, fmt.Errorf("listing publishers: %w", err)
	}
	var out []string
	for _, v := range values {
		if p, ok := v.(string); ok {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out, nil
}

// SetPluginInterfaces makes capabilities, each once and sorted, the
// product's plugin interfaces, or returns catalog.ErrNotFound for an
// unknown slug.
func (s *Store) SetPluginInterfaces(ctx context.Context, slug string, capabilities []string) error {
	res, err := s.products.UpdateOne(ctx, bson.D{{Key: "slug", Value: slug}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "plugin_interfaces", Value: catalog.NormalCapabilities(capabilities)},
		}}})
	if err != nil {
		return fmt.Errorf("setting plugin interfaces of %s: %w", slug, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("product %s: %w", slug, catalog.ErrNotFound)
	}
	return nil
}

// PlatformsInUse returns every platform of a published product, sorted.
func (s *Store) PlatformsInUse(ctx context.Context) ([]string, error) {
	values, err := s.products.Distinct(ctx, "platforms", bson.D{listed()})
	if err != nil {
		return nil, fmt.Errorf("listing platforms: %w", err)
	}
	var out []string
	for _, v := range values {
		if p, ok := v.(string); ok && p != "" {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return storecodec.NilIfEmpty(out), nil
}
