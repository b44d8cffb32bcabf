package mongostore

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/storecodec"
)

// productDoc is a product as stored in the products collection. An empty
// repository list is left out (see New). PutProduct also stores fields
// that only queries read, never decoded (see productProjection): name_key
// (the lower-case name, which the name sort orders by), has_free and
// has_paid (Explore's price filter), category_keys (its category filter,
// see categoryKeys), platform_keys (its OS and architecture filters, see
// platformKeys), and terms and name_terms (Search's, see searchTerms).
type productDoc struct {
	ID           string    `bson:"_id"`
	Slug         string    `bson:"slug"`
	Name         string    `bson:"name"`
	Publisher    string    `bson:"publisher"`
	Kind         string    `bson:"kind"`
	Badge        string    `bson:"badge"`
	Summary      string    `bson:"summary"`
	Description  string    `bson:"description"`
	Categories   []string  `bson:"categories"`
	Repositories []string  `bson:"repositories,omitempty"`
	Tiers        []tierDoc `bson:"tiers"`
	Stars        int64     `bson:"stars"`
	Pulls        int64     `bson:"pulls"`
	Logo         string    `bson:"logo,omitempty"`
	Status       string    `bson:"status"`
	Platforms    []string  `bson:"platforms,omitempty"`
	// PluginInterfaces are the capabilities of its plugin tags: decoded,
	// and Explore's interface filter (multikey index).
	PluginInterfaces []string `bson:"plugin_interfaces,omitempty"`
	CreatedAt        int64    `bson:"created_at"`
	UpdatedAt        int64    `bson:"updated_at"`
}

// tierDoc is a tier embedded in a productDoc. Its fields match
// catalog.Tier's one for one, so that the two convert into each other and a
// field added to the domain type fails the build until it is stored. Fields
// added later are omitempty: documents written before them read back as
// zero values.
type tierDoc struct {
	ID           string   `bson:"id"`
	Name         string   `bson:"name"`
	Description  string   `bson:"description"`
	Price        int64    `bson:"price"`
	Currency     string   `bson:"currency"`
	Repositories []string `bson:"repositories"`
	Seats        int      `bson:"seats,omitempty"`
	Versions     string   `bson:"versions,omitempty"`
	TagPattern   string   `bson:"tag_pattern,omitempty"`
	Perpetual    bool     `bson:"perpetual,omitempty"`
	PullQuota    int      `bson:"pull_quota,omitempty"`
	QuotaPeriod  string   `bson:"quota_period,omitempty"`
	Interval     string   `bson:"interval,omitempty"`
	TrialDays    int      `bson:"trial_days,omitempty"`
	Terms        string   `bson:"terms,omitempty"`
	TermsVersion int      `bson:"terms_version,omitempty"`
}

// PutProduct inserts p, or replaces the product with p's slug while keeping
// its ID, CreatedAt, Stars, Pulls, Platforms and PluginInterfaces, in one
// upsert. An empty ID on insert is filled in; repeated repositories are
// stored once; a new product's Platforms and PluginInterfaces are stored
// as SetPlatforms and SetPluginInterfaces store them. An empty
// Status is stored, and returned, as published.
func (s *Store) PutProduct(ctx context.Context, p catalog.Product) (catalog.Product, error) {
	p.Repositories = storecodec.Distinct(p.Repositories)
	p.Status = storedStatus(p.Status)
	if err := s.checkRepositories(ctx, p.Slug, p.Repositories); err != nil {
		return catalog.Product{}, fmt.Errorf("putting product %s: %w", p.Slug, err)
	}
	id := p.ID
	if id == "" {
		id = secret.ID()
	}
	var d productDoc
	// No projection: FerretDB v1.24 does not implement findAndModify's
	// "fields", so the query-only fields come back, and are not decoded.
	err := s.products.FindOneAndUpdate(ctx, bson.D{{Key: "slug", Value: p.Slug}}, upsert(p, id),
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	if mongo.IsDuplicateKeyError(err) {
		// A concurrent write won a race the check could not see.
		if cerr := s.checkRepositories(ctx, p.Slug, p.Repositories); cerr != nil {
			err = cerr
		}
	}
	if err != nil {
		return catalog.Product{}, fmt.Errorf("putting product %s: %w", p.Slug, err)
	}
	return decodeProduct(d), nil
}

// upsert returns the update that replaces p's replaceable fields and, on
// insert, sets the kept ones, with id as the new product's ID.
func upsert(p catalog.Product, id string) bson.D {
	tiers := make([]tierDoc, len(p.Tiers))
	for i, t := range p.Tiers {
		tiers[i] = tierDoc(t)
	}
	set := bson.D{
		{Key: "name", Value: p.Name}, {Key: "publisher", Value: p.Publisher},
		{Key: "kind", Value: string(p.Kind)}, {Key: "badge", Value: string(p.Badge)},
		{Key: "summary", Value: p.Summary}, {Key: "description", Value: p.Description},
		{Key: "categories", Value: p.Categories}, {Key: "tiers", Value: tiers},
		{Key: "updated_at", Value: storecodec.Time(p.UpdatedAt)}, {Key: "logo", Value: p.Logo},
		{Key: "status", Value: p.Status},
	}
	set = append(set, derivedFields(p)...)
	platforms := normalPlatforms(p.Platforms)
	update := bson.D{{Key: "$setOnInsert", Value: bson.D{
		{Key: "_id", Value: id}, {Key: "slug", Value: p.Slug}, {Key: "stars", Value: p.Stars},
		{Key: "pulls", Value: p.Pulls}, {Key: "created_at", Value: storecodec.Time(p.CreatedAt)},
		{Key: "platforms", Value: platforms}, {Key: "platform_keys", Value: platformKeys(platforms)},
		{Key: "plugin_interfaces", Value: catalog.NormalCapabilities(p.PluginInterfaces)},
	}}}
	return mongodb.SetArray(update, set, "repositories", p.Repositories)
}

// checkRepositories returns catalog.ErrRepositoryTaken if a product other
// than slug owns one of repos.
func (s *Store) checkRepositories(ctx context.Context, slug string, repos []string) error {
	taken, ok, err := mongodb.Claimed(ctx, s.products, "repositories", slug, repos,
		func(d productDoc) []string { return d.Repositories })
	if err != nil {
		return fmt.Errorf("checking repository owners: %w", err)
	}
	if ok {
		return fmt.Errorf("repository %s: %w", taken, catalog.ErrRepositoryTaken)
	}
	return nil
}

// decodeProduct converts a stored product to the domain type.
func decodeProduct(d productDoc) catalog.Product {
	p := catalog.Product{
		ID: d.ID, Slug: d.Slug, Name: d.Name, Publisher: d.Publisher,
		Kind: catalog.Kind(d.Kind), Badge: catalog.Badge(d.Badge),
		Summary: d.Summary, Description: d.Description,
		Categories: storecodec.NilIfEmpty(d.Categories), Repositories: storecodec.NilIfEmpty(d.Repositories),
		Stars: d.Stars, Pulls: d.Pulls, Logo: d.Logo, Status: storedStatus(d.Status), Platforms: storecodec.NilIfEmpty(d.Platforms),
		PluginInterfaces: storecodec.NilIfEmpty(d.PluginInterfaces),
		CreatedAt:        storecodec.ParseTime(d.CreatedAt), UpdatedAt: storecodec.ParseTime(d.UpdatedAt),
	}
	for _, t := range d.Tiers {
		t.Repositories = storecodec.NilIfEmpty(t.Repositories)
		p.Tiers = append(p.Tiers, catalog.Tier(t))
	}
	return p
}

// productProjection leaves out of products read back the fields only
// queries use.
func productProjection() bson.D {
	return bson.D{
		{Key: "terms", Value: 0}, {Key: "name_terms", Value: 0}, {Key: "platform_keys", Value: 0},
		{Key: "category_keys", Value: 0},
		{Key: "name_key", Value: 0}, {Key: "has_free", Value: 0}, {Key: "has_paid", Value: 0},
	}
}
