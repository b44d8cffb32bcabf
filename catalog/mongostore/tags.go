package mongostore

import (
	"context"
	"errors"
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

var _ catalog.TagStore = (*Store)(nil)

// tagDoc is a tag as stored in the tags collection, one document per tag
// with its platforms and their layers embedded. Digests holds every digest
// the tag answers to (its own and each platform's), for TagByDigest.
type tagDoc struct {
	ID         string        `bson:"_id"`
	Repository string        `bson:"repository"`
	Name       string        `bson:"name"`
	Digest     string        `bson:"digest"`
	MediaType  string        `bson:"media_type"`
	Platforms  []platformDoc `bson:"platforms"`
	Signed     bool          `bson:"signed"`
	PushedAt   int64         `bson:"pushed_at"`
	Digests    []string      `bson:"digests"`
	Plugin     *pluginDoc    `bson:"plugin,omitempty"`
}

// pluginDoc is a tag's plugin facts, left out for images.
type pluginDoc struct {
	Description   string         `bson:"description,omitempty"`
	Documentation string         `bson:"documentation,omitempty"`
	Interfaces    []string       `bson:"interfaces,omitempty"`
	Privileges    []privilegeDoc `bson:"privileges,omitempty"`
}

// privilegeDoc is a privilege in a pluginDoc. Its fields match
// catalog.Privilege's one for one, so that the two convert into each other.
type privilegeDoc struct {
	Name        string   `bson:"name"`
	Description string   `bson:"description,omitempty"`
	Value       []string `bson:"value,omitempty"`
}

// platformDoc is a platform embedded in a tagDoc. Labels are a list of
// pairs, sorted by key, not a subdocument: label keys hold dots
// ("org.opencontainers.image.version"), which FerretDB rejects in field
// names.
type platformDoc struct {
	OS           string     `bson:"os"`
	Architecture string     `bson:"architecture"`
	Variant      string     `bson:"variant,omitempty"`
	Digest       string     `bson:"digest"`
	Size         int64      `bson:"size"`
	Created      int64      `bson:"created,omitempty"`
	Labels       []labelDoc `bson:"labels,omitempty"`
	Layers       []layerDoc `bson:"layers,omitempty"`
}

// labelDoc is one label of a platformDoc.
type labelDoc struct {
	K string `bson:"k"`
	V string `bson:"v"`
}

// layerDoc is a layer embedded in a platformDoc. Its fields match
// catalog.Layer's one for one, so that the two convert into each other.
type layerDoc struct {
	Digest    string `bson:"digest"`
	MediaType string `bson:"media_type"`
	Size      int64  `bson:"size"`
	Command   string `bson:"command,omitempty"`
}

// tagID is the _id of a repository's tag. Names hold no NUL, so no two
// pairs share one.
func tagID(repository, name string) string { return repository + "\x00" + name }

// createTagIndexes creates the tags collection's indexes: the repository
// with the push time that Tags sorts by, and the repository with the
// digests (multikey) that TagByDigest looks up.
func createTagIndexes(ctx context.Context, c *mongo.Collection) error {
	return mongodb.CreateIndexes(ctx, c,
		mongo.IndexModel{Keys: bson.D{{Key: "repository", Value: 1}, {Key: "pushed_at", Value: -1}, {Key: "name", Value: 1}},
			Options: options.Index().SetName("repository_pushed")},
		mongo.IndexModel{Keys: bson.D{{Key: "repository", Value: 1}, {Key: "digests", Value: 1}},
			Options: options.Index().SetName("repository_digests")},
	)
}

// PutTag inserts or replaces the tag, in one single-document write, then
// moves the last push of a user's or organisation's repository of that
// name forward to the tag's.
func (s *Store) PutTag(ctx context.Context, t catalog.Tag) error {
	_, err := s.tags.ReplaceOne(ctx, bson.D{{Key: "_id", Value: tagID(t.Repository, t.Name)}}, encodeTag(t),
		options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("putting tag %s:%s: %w", t.Repository, t.Name, err)
	}
	if err := s.movePushed(ctx, t.Repository, storecodec.Time(t.PushedAt)); err != nil {
		return fmt.Errorf("putting tag %s:%s: last push: %w", t.Repository, t.Name, err)
	}
	return nil
}

// Tag returns one tag, or catalog.ErrNotFound.
func (s *Store) Tag(ctx context.Context, repository, name string) (catalog.Tag, error) {
	return mongodb.FindOne(ctx, s.tags, "tag "+repository+":"+name, catalog.ErrNotFound,
		bson.D{{Key: "_id", Value: tagID(repository, name)}}, decodeTag)
}

// Tags returns a repository's tags, most recently pushed first, then by
// name.
func (s *Store) Tags(ctx context.Context, repository string) ([]catalog.Tag, error) {
	out, err := mongodb.FindAll(ctx, s.tags, bson.D{{Key: "repository", Value: repository}}, decodeTag,
		options.Find().SetSort(bson.D{{Key: "pushed_at", Value: -1}, {Key: "name", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("listing tags of %s: %w", repository, err)
	}
	return out, nil
}

// TagByDigest returns the tag of repository whose manifest, or one of whose
// platforms' manifests, has digest, or catalog.ErrNotFound. Of several such
// tags it returns the most recently pushed (then the first by name).
func (s *Store) TagByDigest(ctx context.Context, repository, digest string) (catalog.Tag, error) {
	var d tagDoc
	err := s.tags.FindOne(ctx, bson.D{{Key: "repository", Value: repository}, {Key: "digests", Value: digest}},
		options.FindOne().SetSort(bson.D{{Key: "pushed_at", Value: -1}, {Key: "name", Value: 1}})).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return catalog.Tag{}, fmt.Errorf("tag %s@%s: %w", repository, digest, catalog.ErrNotFound)
	}
	if err != nil {
		return catalog.Tag{}, fmt.Errorf("reading tag %s@%s: %w", repository, digest, err)
	}
	return decodeTag(d), nil
}

// DeleteTag removes a tag, or returns catalog.ErrNotFound. Its pull counts
// stay.
func (s *Store) DeleteTag(ctx context.Context, repository, name string) error {
	res, err := s.tags.DeleteOne(ctx, bson.D{{Key: "_id", Value: tagID(repository, name)}})
	if err != nil {
		return fmt.Errorf("deleting tag %s:%s: %w", repository, name, err)
	}
	if res.DeletedCount == 0 {
		return fmt.Errorf("tag %s:%s: %w", repository, name, catalog.ErrNotFound)
	}
	return nil
}

// encodeTag converts a tag to its stored form.
func encodeTag(t catalog.Tag) tagDoc {
	d := tagDoc{
		ID: tagID(t.Repository, t.Name), Repository: t.Repository, Name: t.Name,
		Digest: t.Digest, MediaType: t.MediaType, Platforms: []platformDoc{},
		Signed: t.Signed, PushedAt: storecodec.Time(t.PushedAt), Digests: []string{t.Digest},
	}
	for _, p := range t.Platforms {
		pd := platformDoc{
			OS: p.OS, Architecture: p.Architecture, Variant: p.Variant, Digest: p.Digest,
			Size: p.Size, Created: storecodec.Time(p.Created),
		}
		for k, v := range p.Labels {
			pd.Labels = append(pd.Labels, labelDoc{K: k, V: v})
		}
		slices.SortFunc(pd.Labels, func(a, b labelDoc) int { return strings.Compare(a.K, b.K) })
		for _, l := range p.Layers {
			pd.Layers = append(pd.Layers, layerDoc(l))
		}
		d.Platforms = append(d.Platforms, pd)
		d.Digests = append(d.Digests, p.Digest)
	}
	d.Digests = slices.DeleteFunc(storecodec.Distinct(d.Digests), func(s string) bool { return s == "" })
	if p := t.Plugin; p != nil {
		d.Plugin = &pluginDoc{Description: p.Description, Documentation: p.Documentation, Interfaces: p.Interfaces}
		for _, pr := range p.Privileges {
			d.Plugin.Privileges = append(d.Plugin.Privileges, privilegeDoc(pr))
		}
	}
	return d
}

// decodeTag converts a stored tag to the domain type.
func decodeTag(d tagDoc) catalog.Tag {
	t := catalog.Tag{
		Repository: d.Repository, Name: d.Name, Digest: d.Digest, MediaType: d.MediaType,
		Signed: d.Signed, PushedAt: storecodec.ParseTime(d.PushedAt),
	}
	for _, pd := range d.Platforms {
		p := catalog.Platform{
			OS: pd.OS, Architecture: pd.Architecture, Variant: pd.Variant, Digest: pd.Digest,
			Size: pd.Size, Created: storecodec.ParseTime(pd.Created),
		}
		if len(pd.Labels) > 0 {
			p.Labels = make(map[string]string, len(pd.Labels))
			for _, l := range pd.Labels {
				p.Labels[l.K] = l.V
			}
		}
		for _, l := range pd.Layers {
			p.Layers = append(p.Layers, catalog.Layer(l))
		}
		t.Platforms = append(t.Platforms, p)
	}
	if pd := d.Plugin; pd != nil {
		t.Plugin = &catalog.Plugin{Description: pd.Description, Documentation: pd.Documentation,
			Interfaces: storecodec.NilIfEmpty(pd.Interfaces)}
		for _, pr := range pd.Privileges {
			pr.Value = storecodec.NilIfEmpty(pr.Value)
			t.Plugin.Privileges = append(t.Plugin.Privileges, catalog.Privilege(pr))
		}
	}
	return t
}
