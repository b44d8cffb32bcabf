package mongostore

import (
	"context"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/mongo"

	"github.com/berth/berth/account"
	"github.com/berth/berth/internal/mongodb"
)

// namespaceDoc is a claim as stored in the namespaces collection: the
// lower-cased name is the _id, so a claim is one insert that the _id index
// alone keeps unique.
type namespaceDoc struct {
	Name    string `bson:"_id"`
	Kind    string `bson:"kind"`
	OwnerID string `bson:"owner_id"`
}

// ClaimNamespace records n with its name lower-cased; a name already claimed
// yields account.ErrNamespaceTaken.
func (s *Store) ClaimNamespace(ctx context.Context, n account.Namespace) error {
	name := strings.ToLower(n.Name)
	_, err := s.namespaces.InsertOne(ctx, namespaceDoc{Name: name, Kind: string(n.Kind), OwnerID: n.OwnerID})
	if mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("namespace %s: %w", name, account.ErrNamespaceTaken)
	}
	if err != nil {
		return fmt.Errorf("claiming namespace %s: %w", name, err)
	}
	return nil
}

// Namespace returns the claim on name, compared lower-cased, or
// account.ErrNotFound.
func (s *Store) Namespace(ctx context.Context, name string) (account.Namespace, error) {
	name = strings.ToLower(name)
	return mongodb.FindOne(ctx, s.namespaces, "namespace "+name, account.ErrNotFound, byID(name), decodeNamespace)
}

// decodeNamespace converts a stored claim to the domain type.
func decodeNamespace(d namespaceDoc) account.Namespace {
	return account.Namespace{Name: d.Name, Kind: account.NamespaceKind(d.Kind), OwnerID: d.OwnerID}
}

// ReleaseNamespace removes the claim on name, compared lower-cased, if there
// is one.
func (s *Store) ReleaseNamespace(ctx context.Context, name string) error {
	name = strings.ToLower(name)
	if _, err := s.namespaces.DeleteOne(ctx, byID(name)); err != nil {
		return fmt.Errorf("releasing namespace %s: %w", name, err)
	}
	return nil
}
