package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/storecodec"
)

var _ catalog.RepositoryStore = (*Store)(nil)

// repositoryDoc is a user's or organisation's repository as stored in the
// repositories collection; name and namespace are lower-case.
type repositoryDoc struct {
	ID          string `bson:"_id"`
	Name        string `bson:"name"`
	Namespace   string `bson:"namespace"`
	Summary     string `bson:"summary"`
	Description string `bson:"description"`
	Private     bool   `bson:"private"`
	CreatedAt   int64  `bson:"created_at"`
	UpdatedAt   int64  `bson:"updated_at"`
	// The Community section's and tab's fields (see community.go).
	Pulls     int64    `bson:"pulls"`
	Stars     int64    `bson:"stars"`
	PushedAt  int64    `bson:"pushed_at"`
	ShortKey  string   `bson:"short_key"`
	Terms     []string `bson:"terms"`
	NameTerms []string `bson:"name_terms"`
}

// createRepositoryIndexes creates the repositories collection's indexes: the
// unique name, the namespace with the name that listings sort by, and the
// Community section's and tab's (see communityIndexes).
func createRepositoryIndexes(ctx context.Context, c *mongo.Collection) error {
	return mongodb.CreateIndexes(ctx, c, append(communityIndexes(),
		mongo.IndexModel{Keys: bson.D{{Key: "name", Value: 1}},
			Options: options.Index().SetName("name_unique").SetUnique(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "namespace", Value: 1}, {Key: "name", Value: 1}},
			Options: options.Index().SetName("namespace_name")},
	)...)
}

// CreateRepository inserts r with its name and namespace lower-cased, or
// returns catalog.ErrRepositoryExists. An empty ID is filled in.
func (s *Store) CreateRepository(ctx context.Context, r catalog.Repository) error {
	doc := encodeRepository(r)
	_, err := s.repositories.InsertOne(ctx, doc)
	if mongo.IsDuplicateKeyError(err) {
		return s.repositoryConflict(ctx, doc.Name, err)
	}
	if err != nil {
		return fmt.Errorf("inserting repository %s: %w", doc.Name, err)
	}
	return nil
}

// repositoryConflict names what a duplicate-key error inserting repository
// name was about. FerretDB's error does not name the index, so the store
// asks whether the name is taken; if not, the ID was.
func (s *Store) repositoryConflict(ctx context.Context, name string, dupErr error) error {
	n, err := s.repositories.CountDocuments(ctx, bson.D{{Key: "name", Value: name}})
	if err != nil {
		return fmt.Errorf("checking repository %s after duplicate key: %w", name, err)
	}
	if n > 0 {
		return fmt.Errorf("repository %s: %w", name, catalog.ErrRepositoryExists)
	}
	return fmt.Errorf("inserting repository %s: duplicate id: %w", name, dupErr)
}

// encodeRepository returns r as stored, with an empty ID filled in, the
// name and namespace lower-cased and its search fields derived.
func encodeRepository(r catalog.Repository) repositoryDoc {
	if r.ID == "" {
		r.ID = secret.ID()
	}
	r.Name, r.Namespace = strings.ToLower(r.Name), strings.ToLower(r.Namespace)
	terms, nameTerms := searchTerms(r.Searchable())
	return repositoryDoc{
		ID: r.ID, Name: r.Name, Namespace: r.Namespace,
		Summary: r.Summary, Description: r.Description, Private: r.Private,
		CreatedAt: storecodec.Time(r.CreatedAt), UpdatedAt: storecodec.Time(r.UpdatedAt),
		Pulls: r.Pulls, Stars: r.Stars, PushedAt: storecodec.Time(r.PushedAt),
		ShortKey: strings.Join(catalog.SplitWords(r.ShortName()), " "), Terms: terms, NameTerms: nameTerms,
	}
}

// RepositoryByName returns the repository with that name, compared
// lower-cased, or catalog.ErrNotFound.
func (s *Store) RepositoryByName(ctx context.Context, name string) (catalog.Repository, error) {
	name = strings.ToLower(name)
	var d repositoryDoc
	err := s.repositories.FindOne(ctx, bson.D{{Key: "name", Value: name}}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return catalog.Repository{}, fmt.Errorf("repository %s: %w", name, catalog.ErrNotFound)
	}
	if err != nil {
		return catalog.Repository{}, fmt.Errorf("reading repository %s: %w", name, err)
	}
	return decodeRepository(d), nil
}

// RepositoriesByNamespace returns the repositories of namespace, compared
// lower-cased, by name; private ones only when includePrivate is set.
func (s *Store) RepositoriesByNamespace(ctx context.Context, namespace string, includePrivate bool) ([]catalog.Repository, error) {
	namespace = strings.ToLower(namespace)
	filter := bson.D{{Key: "namespace", Value: namespace}}
	if !includePrivate {
		filter = append(filter, bson.E{Key: "private", Value: false})
	}
	out, err := mongodb.FindAll(ctx, s.repositories, filter, decodeRepository,
		options.Find().SetSort(bson.D{{Key: "name", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing repositories of %s: %w", namespace, err)
	}
	return out, nil
}

// UpdateRepository replaces the summary, description, visibility and
// UpdatedAt of the repository named r.Name, compared lower-cased, or returns
// catalog.ErrNotFound.
func (s *Store) UpdateRepository(ctx context.Context, r catalog.Repository) error {
	name := strings.ToLower(r.Name)
	r.Name = name
	terms, nameTerms := searchTerms(r.Searchable())
	res, err := s.repositories.UpdateOne(ctx, bson.D{{Key: "name", Value: name}},
		bson.D{{Key: "$set", Value: bson.D{
			{Key: "summary", Value: r.Summary}, {Key: "description", Value: r.Description},
			{Key: "private", Value: r.Private}, {Key: "updated_at", Value: storecodec.Time(r.UpdatedAt)},
			{Key: "terms", Value: terms}, {Key: "name_terms", Value: nameTerms},
		}}})
	if err != nil {
		return fmt.Errorf("updating repository %s: %w", name, err)
	}
	if res.MatchedCount == 0 {
		return fmt.Errorf("repository %s: %w", name, catalog.ErrNotFound)
	}
	return nil
}

// DeleteRepository removes the repository with that name, compared
// lower-cased, or returns catalog.ErrNotFound.
func (s *Store) DeleteRepository(ctx context.Context, name string) error {
	name = strings.ToLower(name)
	res, err := s.repositories.DeleteOne(ctx, bson.D{{Key: "name", Value: name}})
	if err != nil {
		return fmt.Errorf("deleting repository %s: %w", name, err)
	}
	if res.DeletedCount == 0 {
		return fmt.Errorf("repository %s: %w", name, catalog.ErrNotFound)
	}
	return nil
}

// DeleteNamespaceRepositories removes every repository of namespace,
// compared lower-cased, and returns how many it removed.
func (s *Store) DeleteNamespaceRepositories(ctx context.Context, namespace string) (int, error) {
	namespace = strings.ToLower(namespace)
	res, err := s.repositories.DeleteMany(ctx, bson.D{{Key: "namespace", Value: namespace}})
	if err != nil {
		return 0, fmt.Errorf("deleting repositories of %s: %w", namespace, err)
	}
	return int(res.DeletedCount), nil
}

// decodeRepository converts a stored repository to the domain type.
func decodeRepository(d repositoryDoc) catalog.Repository {
	return catalog.Repository{
		ID: d.ID, Name: d.Name, Namespace: d.Namespace,
		Summary: d.Summary, Description: d.Description, Private: d.Private,
		CreatedAt: storecodec.ParseTime(d.CreatedAt), UpdatedAt: storecodec.ParseTime(d.UpdatedAt),
		Pulls: d.Pulls, Stars: d.Stars, PushedAt: storecodec.ParseTime(d.PushedAt),
	}
}
