// Package mongodb holds what every domain's mongostore has in common: index
// creation that FerretDB v1 accepts, reading every document a query finds or
// the one it finds, and the updates and ownership check for array values that at most one
// document may hold.
package mongodb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/internal/storecodec"
)

// CreateIndexes creates each index on c unless it exists, one command per
// index: FerretDB v1.24 panics when one createIndexes command names several
// indexes that already exist.
func CreateIndexes(ctx context.Context, c *mongo.Collection, models ...mongo.IndexModel) error {
	for _, m := range models {
		if _, err := c.Indexes().CreateOne(ctx, m); err != nil {
			return fmt.Errorf("creating index on %s: %w", c.Name(), err)
		}
	}
	return nil
}

// FindAll decodes every document of c that filter matches into a D and
// returns them converted by decode, in the order opts give; no match is a nil
// slice. Errors are returned as they are, for the caller to wrap.
func FindAll[D, T any](ctx context.Context, c *mongo.Collection, filter any, decode func(D) T, opts ...*options.FindOptions) ([]T, error) {
	cur, err := c.Find(ctx, filter, opts...)
	if err != nil {
		return nil, err
	}
	var docs []D
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	var out []T
	for _, d := range docs {
		out = append(out, decode(d))
	}
	return out, nil
}

// FindOne decodes the document of c that filter matches into a D and returns
// it converted by decode. No match is notFound, the caller's domain error,
// wrapped as "what: ..."; any other error is wrapped as "reading what: ...".
// what names the document for error messages, so it must not hold a secret
// such as a token hash ("user _id \"u1\"", "session by token").
func FindOne[D, T any](ctx context.Context, c *mongo.Collection, what string, notFound error, filter any, decode func(D) T) (T, error) {
	var d D
	err := c.FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		var zero T
		return zero, fmt.Errorf("%s: %w", what, notFound)
	}
	if err != nil {
		var zero T
		return zero, fmt.Errorf("reading %s: %w", what, err)
	}
	return decode(d), nil
}

// InsertOrFind inserts doc unless a document with the same unique key
// exists, and returns the stored record and whether it is doc's: on a
// duplicate key it reads back the document byKey matches (what names it,
// as for FindOne). The unique index decides, so of concurrent inserts of
// one key exactly one stores its document and the others read it back. A
// duplicate that byKey does not find was another unique field (the ID):
// that is conflict.
func InsertOrFind[D, T any](ctx context.Context, c *mongo.Collection, doc any, inserted T, what string, byKey any,
	decode func(D) T, notFound, conflict error) (T, bool, error) {
	_, err := c.InsertOne(ctx, doc)
	if err == nil {
		return inserted, true, nil
	}
	var zero T
	if !mongo.IsDuplicateKeyError(err) {
		return zero, false, err
	}
	existing, err := FindOne(ctx, c, what, notFound, byKey, decode)
	if errors.Is(err, notFound) {
		err = conflict
	}
	if err != nil {
		return zero, false, err
	}
	return existing, false, nil
}

// SetArray appends to update a $set of set plus field = values or, when
// values is empty, a $set of set and an $unset of field. It is for array
// fields under a sparse unique index (see Claimed): MongoDB indexes every
// empty array as the same key, so an empty list is left out, not stored.
func SetArray(update, set bson.D, field string, values []string) bson.D {
	if len(values) == 0 {
		return append(update, bson.E{Key: "$set", Value: set},
			bson.E{Key: "$unset", Value: bson.D{{Key: field, Value: ""}}})
	}
	set = append(set, bson.E{Key: field, Value: values})
	return append(update, bson.E{Key: "$set", Value: set})
}

// Claimed reports which of values a document of c other than the one whose
// slug field is slug already holds in its array field: the first such value
// in values' order, or values[0] when the database matched a document by
// rules of its own. held returns that field of the decoded document D.
//
// Stores whose array values belong to at most one document check with it
// before writing, because FerretDB v1 compares whole arrays in a unique
// index, and after a duplicate-key error, to name the value a concurrent
// write took.
func Claimed[D any](ctx context.Context, c *mongo.Collection, field, slug string, values []string, held func(D) []string) (string, bool, error) {
	if len(values) == 0 {
		return "", false, nil
	}
	var other D
	err := c.FindOne(ctx, bson.D{
		{Key: field, Value: bson.D{{Key: "$in", Value: values}}},
		{Key: "slug", Value: bson.D{{Key: "$ne", Value: slug}}},
	}).Decode(&other)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	i := slices.IndexFunc(values, func(v string) bool { return slices.Contains(held(other), v) })
	return values[max(i, 0)], true, nil
}

// FindDue reads a job queue: the documents in status whose next_attempt_at
// (storecodec time) is at or before now, soonest first (ties by _id), at
// most limit; a limit below 1 reads none.
func FindDue[D, T any](ctx context.Context, c *mongo.Collection, status string, now time.Time, limit int, decode func(D) T) ([]T, error) {
	if limit < 1 {
		return nil, nil
	}
	return FindAll(ctx, c, bson.D{
		{Key: "status", Value: status},
		{Key: "next_attempt_at", Value: bson.D{{Key: "$lte", Value: storecodec.Time(now)}}},
	}, decode, options.Find().SetSort(bson.D{{Key: "next_attempt_at", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
}
