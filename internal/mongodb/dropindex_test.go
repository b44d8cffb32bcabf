package mongodb

import (
	"context"
	"errors"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

func TestDropIndex(t *testing.T) {
	ctx := context.Background()
	t.Run("missing collection", func(t *testing.T) {
		if err := DropIndex(ctx, collection(t), "slug_unique"); err != nil {
			t.Errorf("DropIndex: %v", err)
		}
	})
	c := collection(t, doc{Slug: "a"})
	unique := mongo.IndexModel{Keys: bson.D{{Key: "slug", Value: 1}},
		Options: options.Index().SetName("slug_unique").SetUnique(true)}
	if err := CreateIndexes(ctx, c, unique); err != nil {
		t.Fatalf("CreateIndexes: %v", err)
	}
	for range 2 { // the second drop finds no index
		if err := DropIndex(ctx, c, "slug_unique"); err != nil {
			t.Fatalf("DropIndex: %v", err)
		}
	}
	if _, err := c.InsertOne(ctx, doc{Slug: "a"}); err != nil {
		t.Errorf("inserting a second slug a after dropping the unique index: %v", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := DropIndex(canceled, c, "slug_unique"); !errors.Is(err, context.Canceled) {
		t.Errorf("DropIndex on a canceled context: err = %v, want context.Canceled", err)
	}
}
