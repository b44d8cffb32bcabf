package mongostore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/mongo"

	"github.com/berth/berth/account"
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
	var d namespaceDoc
	err := s.namespaces.FindOne(ctx, byID(name)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return account.Namespace{}, fmt.Errorf("namespace %s: %w", name, account.ErrNotFound)
	}
	if err != nil {
		return account.Namespace{}, fmt.Errorf("reading namespace %s: %w", name, err)
	}
	return account.Namespace{Name: d.Name, Kind: account.NamespaceKind(d.Kind), OwnerID: d.OwnerID}, nil
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
