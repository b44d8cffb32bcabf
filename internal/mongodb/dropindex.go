package mongodb

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/mongo"
)

// Server error codes that DropIndex treats as "already gone"; MongoDB and
// FerretDB v1 both answer with them.
const (
	codeNamespaceNotFound = 26
	codeIndexNotFound     = 27
)

// DropIndex drops the index named name from c. An index or collection that
// does not exist is not an error, so that a store can drop an index an older
// version created on every start, and several instances starting at once
// do not fail one another.
func DropIndex(ctx context.Context, c *mongo.Collection, name string) error {
	_, err := c.Indexes().DropOne(ctx, name)
	var ce mongo.CommandError
	if errors.As(err, &ce) && (ce.Code == codeIndexNotFound || ce.Code == codeNamespaceNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("dropping index %s on %s: %w", name, c.Name(), err)
	}
	return nil
}
