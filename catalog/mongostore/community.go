package mongostore

import (
	"context"
	"fmt"
	"slices"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/storecodec"
)

var _ catalog.CommunityStore = (*Store)(nil)

// communityIndexes are the repositories indexes of the Community section
// and tab: one per Explore sort, the short name for names starting with a
// search text, and multikey ones on the search term arrays (the trigrams
// and words of the short name, namespace and summary; see searchTerms).
func communityIndexes() []mongo.IndexModel {
	index := func(name string, keys bson.D) mongo.IndexModel {
		return mongo.IndexModel{Keys: keys, Options: options.Index().SetName(name)}
	}
	return []mongo.IndexModel{
		index("rank", communitySort(catalog.SortPopular)),
		index("newest", communitySort(catalog.SortNewest)),
		index("pushed", communitySort(catalog.SortUpdated)),
		index("short_key", bson.D{{Key: "short_key", Value: 1}, {Key: "name", Value: 1}}),
		index("terms", bson.D{{Key: "terms", Value: 1}}),
		index("name_terms", bson.D{{Key: "name_terms", Value: 1}}),
	}
}

// communitySort returns the sort of a Community sort, ties by name.
func communitySort(sort string) bson.D {
	switch sort {
	case catalog.SortNewest:
		return bson.D{{Key: "created_at", Value: -1}, {Key: "name", Value: 1}}
	case catalog.SortUpdated:
		return bson.D{{Key: "pushed_at", Value: -1}, {Key: "name", Value: 1}}
	case catalog.SortName:
		return bson.D{{Key: "name", Value: 1}}
	default:
		return bson.D{{Key: "stars", Value: -1}, {Key: "pulls", Value: -1}, {Key: "name", Value: 1}}
	}
}

// visibleTo keeps the public repositories and the private ones of
// namespaces.
func visibleTo(namespaces []string) bson.E {
	if len(namespaces) == 0 {
		return bson.E{Key: "private", Value: false}
	}
	return bson.E{Key: "$or", Value: bson.A{
		bson.D{{Key: "private", Value: false}},
		bson.D{{Key: "namespace", Value: bson.D{{Key: "$in", Value: namespaces}}}},
	}}
}

// ExploreRepositories returns one page of the repositories q selects,
// reading Limit+1 to tell whether another page follows (a zero Limit is no
// limit).
func (s *Store) ExploreRepositories(ctx context.Context, q catalog.CommunityQuery) (catalog.CommunityPage, error) {
	opts := options.Find().SetSort(communitySort(q.Sort)).SetSkip(int64(max(q.Offset, 0)))
	if q.Limit > 0 {
		opts.SetLimit(int64(q.Limit) + 1)
	}
	out, err := mongodb.FindAll(ctx, s.repositories, bson.D{visibleTo(q.Namespaces)}, decodeRepository, opts)
	if err != nil {
		return catalog.CommunityPage{}, fmt.Errorf("exploring repositories: %w", err)
	}
	page := catalog.CommunityPage{Repositories: out}
	if q.Limit > 0 && len(out) > q.Limit {
		page.Repositories, page.More = out[:q.Limit], true
	}
	return page, nil
}

// ImportRepositories inserts rs with one InsertMany, in order, after
// checking that none of their names is taken. MongoDB has no transaction
// here: should another writer take a name in between, the documents
// before it stay inserted and the error says which name.
func (s *Store) ImportRepositories(ctx context.Context, rs []catalog.Repository) error {
	if len(rs) == 0 {
		return nil
	}
	docs := make([]any, len(rs))
	names := make([]string, len(rs))
	for i, r := range rs {
		d := encodeRepository(r)
		docs[i], names[i] = d, d.Name
	}
	slices.Sort(names)
	for i := 1; i < len(names); i++ {
		if names[i] == names[i-1] {
			return fmt.Errorf("importing repositories: repository %s twice: %w", names[i], catalog.ErrRepositoryExists)
		}
	}
	for chunk := range slices.Chunk(names, 1000) {
		n, err := s.repositories.CountDocuments(ctx, bson.D{{Key: "name", Value: bson.D{{Key: "$in", Value: chunk}}}})
		if err != nil {
			return fmt.Errorf("importing repositories: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("importing repositories: %w", catalog.ErrRepositoryExists)
		}
	}
	if _, err := s.repositories.InsertMany(ctx, docs); err != nil {
		if mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("importing repositories: %w", catalog.ErrRepositoryExists)
		}
		return fmt.Errorf("importing %d repositories: %w", len(rs), err)
	}
	return nil
}

// stemLength is how many letters of a longer first word SearchRepositories
// also looks up as the start of names.
const stemLength = 4

// SearchRepositories returns up to limit visible repositories matching
// text, best first, found as Search finds products (see termQueries) on
// the short name (its words joined by spaces in short_key), namespace and
// summary (not the description), and by the stem of a longer first word,
// and ranked by catalog.RankRepositories.
func (s *Store) SearchRepositories(ctx context.Context, text string, namespaces []string, limit int) ([]catalog.RepositoryHit, error) {
	q := catalog.ParseQuery(text)
	if limit < 1 || len(q.Words) == 0 {
		return nil, nil
	}
	var found []catalog.Repository
	byName := bson.D{{Key: "short_key", Value: 1}, {Key: "name", Value: 1}}
	queries := termQueries(q, visibleTo(namespaces), "short_key", byName)
	if stem := []rune(q.Words[0]); len(q.Trigrams) > 0 && len(stem) > stemLength {
		// As in the SQLite store: a slip past the start of a common
		// name still finds it by its stem.
		queries = append(queries, candidateQuery{sort: byName, filter: bson.D{{Key: "short_key", Value: bson.D{
			{Key: "$gte", Value: string(stem[:stemLength])}, {Key: "$lt", Value: string(stem[:stemLength]) + "\U0010FFFF"},
		}}, visibleTo(namespaces)}})
	}
	for _, cq := range queries {
		opts := options.Find().SetLimit(int64(max(candidatesPerHit*limit, 20))).
			SetProjection(bson.D{{Key: "terms", Value: 0}, {Key: "name_terms", Value: 0}})
		if cq.sort != nil {
			opts.SetSort(cq.sort)
		}
		rs, err := mongodb.FindAll(ctx, s.repositories, cq.filter, decodeRepository, opts)
		if err != nil {
			return nil, fmt.Errorf("searching repositories for %q: %w", text, err)
		}
		for _, r := range rs {
			if !slices.ContainsFunc(found, func(f catalog.Repository) bool { return f.ID == r.ID }) {
				found = append(found, r)
			}
		}
	}
	return catalog.RankRepositories(found, q, limit), nil
}

// countRepositoryPull adds one pull to the repository named repo, if there
// is one.
func (s *Store) countRepositoryPull(ctx context.Context, repo string) error {
	_, err := s.repositories.UpdateOne(ctx, bson.D{{Key: "name", Value: repo}},
		bson.D{{Key: "$inc", Value: bson.D{{Key: "pulls", Value: int64(1)}}}})
	return err
}

// movePushed moves the last push of the repository named repo forward to
// at, if there is one and its last push is older.
func (s *Store) movePushed(ctx context.Context, repo string, at int64) error {
	_, err := s.repositories.UpdateOne(ctx,
		bson.D{{Key: "name", Value: repo}, {Key: "pushed_at", Value: bson.D{{Key: "$lt", Value: at}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "pushed_at", Value: at}}}})
	return err
}

// backfillRepositories derives the Community fields of repositories stored
// before them (those without a short_key), one update each, with the pulls
// and last push they had as zero: the counts start from the upgrade.
func (s *Store) backfillRepositories(ctx context.Context) error {
	old, err := mongodb.FindAll(ctx, s.repositories, bson.D{{Key: "short_key", Value: bson.D{{Key: "$exists", Value: false}}}},
		decodeRepository)
	if err != nil {
		return fmt.Errorf("finding repositories to index: %w", err)
	}
	for _, r := range old {
		d := encodeRepository(r)
		_, err := s.repositories.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{{Key: "$set", Value: bson.D{
			{Key: "short_key", Value: d.ShortKey}, {Key: "terms", Value: d.Terms}, {Key: "name_terms", Value: d.NameTerms},
			{Key: "pulls", Value: int64(0)}, {Key: "stars", Value: int64(0)}, {Key: "pushed_at", Value: storecodec.Time(r.PushedAt)},
		}}})
		if err != nil {
			return fmt.Errorf("indexing repository %s: %w", d.Name, err)
		}
	}
	return nil
}
