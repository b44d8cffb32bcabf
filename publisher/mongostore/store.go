// Package mongostore keeps publishers, their signing keys, uploads and
// withdrawals in MongoDB (collections publishers, publisher_keys, uploads
// and withdrawals), using only what MongoDB 7 and FerretDB v1 both accept:
// every write is a single-document write.
package mongostore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/internal/mongodb"
	"github.com/berth/berth/internal/secret"
	"github.com/berth/berth/internal/storecodec"
	"github.com/berth/berth/publisher"
)

// publisherDoc is a publisher as stored in the publishers collection. An
// empty namespace list is left out (see New). Roles are an array of
// sub-documents, not an object keyed by user ID: user IDs are data, not
// field names, and the array takes a multikey index on roles.user.
// Documents stored before applications and roles lack those fields; New
// marks them approved.
type publisherDoc struct {
	ID         string    `bson:"_id"`
	Slug       string    `bson:"slug"`
	Name       string    `bson:"name"`
	Verified   bool      `bson:"verified"`
	Desc       string    `bson:"description"`
	LogoTag    string    `bson:"logo_tag"`
	Namespaces []string  `bson:"namespaces,omitempty"`
	Members    []string  `bson:"members"`
	Roles      []roleDoc `bson:"roles"`
	Org        string    `bson:"org"`
	Applicant  string    `bson:"applicant"`
	Status     string    `bson:"status"`
	ReviewNote string    `bson:"review_note"`
	AppliedAt  int64     `bson:"applied_at"`
	ReviewedAt int64     `bson:"reviewed_at"`
	CreatedAt  int64     `bson:"created_at"`
}

// roleDoc is one user's role in a publisherDoc.
type roleDoc struct {
	User string `bson:"user"`
	Role string `bson:"role"`
}

// Store implements publisher.Store on MongoDB.
type Store struct {
	publishers *mongo.Collection
	keys       *mongo.Collection
	uploads    *mongo.Collection
	// withdrawals holds withdrawals of promoted tags.
	withdrawals *mongo.Collection
	// logos holds publishers' logos, by publisher ID.
	logos *mongo.Collection
}

var (
	_ publisher.Store           = (*Store)(nil)
	_ publisher.WithdrawalStore = (*Store)(nil)
)

// New creates the indexes of the publishers, publisher_keys and uploads
// collections if needed, marks publishers stored without a status approved,
// and returns a Store using db.
//
// The unique index on the namespaces array is multikey: MongoDB enforces it
// across documents, closing the race between PutPublisher's ownership check
// and its write. It is sparse, and empty lists are not stored, because
// MongoDB indexes every empty array as the same key. FerretDB v1.24 accepts
// the index but compares whole arrays, so there the check alone keeps
// namespaces apart.
func New(ctx context.Context, db *mongo.Database) (*Store, error) {
	s := &Store{publishers: db.Collection("publishers"), keys: db.Collection("publisher_keys"),
		uploads: db.Collection("uploads"), withdrawals: db.Collection("withdrawals"),
		logos: db.Collection("publisher_logos")}
	err := mongodb.CreateIndexes(ctx, s.publishers,
		mongo.IndexModel{Keys: bson.D{{Key: "slug", Value: 1}},
			Options: options.Index().SetName("slug_unique").SetUnique(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "namespaces", Value: 1}},
			Options: options.Index().SetName("namespaces_unique").SetUnique(true).SetSparse(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "members", Value: 1}},
			Options: options.Index().SetName("members")},
		mongo.IndexModel{Keys: bson.D{{Key: "roles.user", Value: 1}},
			Options: options.Index().SetName("roles_user")},
		mongo.IndexModel{Keys: bson.D{{Key: "status", Value: 1}, {Key: "applied_at", Value: 1}},
			Options: options.Index().SetName("status_applied")},
		mongo.IndexModel{Keys: bson.D{{Key: "org", Value: 1}}, Options: options.Index().SetName("org")},
		mongo.IndexModel{Keys: bson.D{{Key: "applicant", Value: 1}}, Options: options.Index().SetName("applicant")},
	)
	if err != nil {
		return nil, err
	}
	if err := s.approveLegacy(ctx); err != nil {
		return nil, err
	}
	if err := createKeyIndexes(ctx, s.keys); err != nil {
		return nil, err
	}
	if err := createUploadIndexes(ctx, s.uploads); err != nil {
		return nil, err
	}
	if err := createWithdrawalIndexes(ctx, s.withdrawals); err != nil {
		return nil, err
	}
	return s, nil
}

// approveLegacy marks the publishers stored before applications existed,
// which have no status, approved, so that PublishersByStatus finds them.
// It changes nothing once every publisher has a status.
func (s *Store) approveLegacy(ctx context.Context) error {
	_, err := s.publishers.UpdateMany(ctx,
		bson.D{{Key: "status", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: string(publisher.StatusApproved)}}}})
	if err != nil {
		return fmt.Errorf("approving publishers without a status: %w", err)
	}
	return nil
}

// PutPublisher inserts p, or replaces the publisher with p's slug while
// keeping its ID and CreatedAt, in one upsert. An empty ID on insert is
// filled in, an empty Status is approved; repeated namespaces and members
// are stored once, and with Roles set Members are its owners and editors.
func (s *Store) PutPublisher(ctx context.Context, p publisher.Publisher) (publisher.Publisher, error) {
	p.Namespaces, p.Members = storecodec.Distinct(p.Namespaces), publisher.PushMembers(p)
	if p.Status == "" {
		p.Status = publisher.StatusApproved
	}
	if err := s.checkNamespaces(ctx, p.Slug, p.Namespaces); err != nil {
		return publisher.Publisher{}, fmt.Errorf("putting publisher %s: %w", p.Slug, err)
	}
	if p.ID == "" {
		p.ID = secret.ID()
	}
	var d publisherDoc
	err := s.publishers.FindOneAndUpdate(ctx, bson.D{{Key: "slug", Value: p.Slug}}, upsert(p),
		options.FindOneAndUpdate().SetUpsert(true).SetReturnDocument(options.After)).Decode(&d)
	if mongo.IsDuplicateKeyError(err) {
		// A concurrent write won a race the check could not see.
		if cerr := s.checkNamespaces(ctx, p.Slug, p.Namespaces); cerr != nil {
			err = cerr
		}
	}
	if err != nil {
		return publisher.Publisher{}, fmt.Errorf("putting publisher %s: %w", p.Slug, err)
	}
	return decode(d), nil
}

// upsert returns the update that replaces p's replaceable fields and, on
// insert, sets the kept ones.
func upsert(p publisher.Publisher) bson.D {
	set := bson.D{
		{Key: "name", Value: p.Name}, {Key: "verified", Value: p.Verified},
		{Key: "members", Value: p.Members}, {Key: "roles", Value: encodeRoles(p.Roles)},
		{Key: "org", Value: p.Org}, {Key: "applicant", Value: p.Applicant}, {Key: "status", Value: string(p.Status)},
		{Key: "review_note", Value: p.ReviewNote},
		{Key: "description", Value: p.Description}, {Key: "logo_tag", Value: p.LogoTag},
		{Key: "applied_at", Value: storecodec.Time(p.AppliedAt)},
		{Key: "reviewed_at", Value: storecodec.Time(p.ReviewedAt)},
	}
	update := bson.D{{Key: "$setOnInsert", Value: bson.D{
		{Key: "_id", Value: p.ID}, {Key: "slug", Value: p.Slug},
		{Key: "created_at", Value: storecodec.Time(p.CreatedAt)},
	}}}
	return mongodb.SetArray(update, set, "namespaces", p.Namespaces)
}

// encodeRoles returns roles as stored, by user.
func encodeRoles(roles map[string]publisher.Role) []roleDoc {
	out := make([]roleDoc, 0, len(roles))
	for user, role := range roles {
		out = append(out, roleDoc{User: user, Role: string(role)})
	}
	slices.SortFunc(out, func(a, b roleDoc) int { return strings.Compare(a.User, b.User) })
	return out
}

// checkNamespaces returns publisher.ErrNamespaceTaken if a publisher other
// than slug owns one of namespaces.
func (s *Store) checkNamespaces(ctx context.Context, slug string, namespaces []string) error {
	taken, ok, err := mongodb.Claimed(ctx, s.publishers, "namespaces", slug, namespaces,
		func(d publisherDoc) []string { return d.Namespaces })
	if err != nil {
		return fmt.Errorf("checking namespace owners: %w", err)
	}
	if ok {
		return fmt.Errorf("namespace %s: %w", taken, publisher.ErrNamespaceTaken)
	}
	return nil
}
