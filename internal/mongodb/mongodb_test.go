package mongodb

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"

	"github.com/berth/berth/internal/mongotest"
)

// doc is a document of the test collection.
type doc struct {
	Slug  string   `bson:"slug"`
	Names []string `bson:"names"`
}

// collection returns a collection of a fresh database holding docs.
func collection(t *testing.T, docs ...doc) *mongo.Collection {
	t.Helper()
	c := mongotest.Start(t).Collection("docs")
	for _, d := range docs {
		if _, err := c.InsertOne(context.Background(), d); err != nil {
			t.Fatalf("inserting %s: %v", d.Slug, err)
		}
	}
	return c
}

func TestCreateIndexesIsIdempotent(t *testing.T) {
	ctx := context.Background()
	c := collection(t)
	models := []mongo.IndexModel{
		{Keys: bson.D{{Key: "slug", Value: 1}}, Options: options.Index().SetName("slug_unique").SetUnique(true)},
		{Keys: bson.D{{Key: "names", Value: 1}}, Options: options.Index().SetName("names")},
	}
	for range 2 { // the second run finds both indexes in place
		if err := CreateIndexes(ctx, c, models...); err != nil {
			t.Fatalf("CreateIndexes: %v", err)
		}
	}
	if _, err := c.InsertOne(ctx, doc{Slug: "a"}); err != nil {
		t.Fatalf("inserting: %v", err)
	}
	if _, err := c.InsertOne(ctx, doc{Slug: "a"}); !mongo.IsDuplicateKeyError(err) {
		t.Errorf("second slug a: err = %v, want a duplicate key error", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	err := CreateIndexes(canceled, c, models...)
	if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "creating index on docs: ") {
		t.Errorf("CreateIndexes on a canceled context: err = %v, want it wrapped", err)
	}
}

func TestFindAll(t *testing.T) {
	ctx := context.Background()
	c := collection(t, doc{Slug: "b", Names: []string{"x"}}, doc{Slug: "a", Names: []string{"x"}}, doc{Slug: "c"})
	slug := func(d doc) string { return d.Slug }
	bySlug := options.Find().SetSort(bson.D{{Key: "slug", Value: 1}})
	got, err := FindAll(ctx, c, bson.D{{Key: "names", Value: "x"}}, slug, bySlug)
	if err != nil {
		t.Fatalf("FindAll: %v", err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, got); diff != "" {
		t.Errorf("FindAll (-want +got):\n%s", diff)
	}
	got, err = FindAll(ctx, c, bson.D{{Key: "names", Value: "y"}}, slug)
	if err != nil || got != nil {
		t.Errorf("FindAll of no match = %#v, %v; want nil, nil", got, err)
	}
	if _, err := FindAll(ctx, c, bson.D{{Key: "$bad", Value: 1}}, slug); err == nil {
		t.Error("FindAll with a bad filter succeeded, want an error")
	}
}

func TestFindOne(t *testing.T) {
	ctx := context.Background()
	c := collection(t, doc{Slug: "a", Names: []string{"x"}})
	slug := func(d doc) string { return d.Slug }
	errMissing := errors.New("missing")
	got, err := FindOne(ctx, c, "doc x", errMissing, bson.D{{Key: "names", Value: "x"}}, slug)
	if err != nil || got != "a" {
		t.Errorf("FindOne = %q, %v; want a, nil", got, err)
	}
	got, err = FindOne(ctx, c, "doc y", errMissing, bson.D{{Key: "names", Value: "y"}}, slug)
	if !errors.Is(err, errMissing) || err.Error() != "doc y: missing" || got != "" {
		t.Errorf("FindOne of no match = %q, %v; want \"\", doc y: missing", got, err)
	}
	_, err = FindOne(ctx, c, "doc z", errMissing, bson.D{{Key: "$bad", Value: 1}}, slug)
	if err == nil || errors.Is(err, errMissing) || !strings.HasPrefix(err.Error(), "reading doc z: ") {
		t.Errorf("FindOne with a bad filter: err = %v, want it wrapped as reading doc z", err)
	}
}

func TestSetArray(t *testing.T) {
	onInsert := bson.D{{Key: "$setOnInsert", Value: bson.D{{Key: "_id", Value: "x"}}}}
	for _, tc := range []struct {
		name   string
		values []string
		want   bson.D
	}{
		{"values are set", []string{"a", "b"}, bson.D{
			onInsert[0],
			{Key: "$set", Value: bson.D{{Key: "slug", Value: "s"}, {Key: "names", Value: []string{"a", "b"}}}},
		}},
		{"no values unset the field", []string{}, bson.D{
			onInsert[0],
			{Key: "$set", Value: bson.D{{Key: "slug", Value: "s"}}},
			{Key: "$unset", Value: bson.D{{Key: "names", Value: ""}}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := SetArray(slices.Clone(onInsert), bson.D{{Key: "slug", Value: "s"}}, "names", tc.values)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("SetArray (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("an unset field is out of a sparse unique index", func(t *testing.T) {
		ctx := context.Background()
		c := collection(t)
		unique := mongo.IndexModel{Keys: bson.D{{Key: "names", Value: 1}},
			Options: options.Index().SetName("names_unique").SetUnique(true).SetSparse(true)}
		if err := CreateIndexes(ctx, c, unique); err != nil {
			t.Fatalf("CreateIndexes: %v", err)
		}
		for _, slug := range []string{"a", "b"} {
			update := SetArray(bson.D{}, bson.D{{Key: "slug", Value: slug}}, "names", nil)
			_, err := c.UpdateOne(ctx, bson.D{{Key: "slug", Value: slug}}, update, options.Update().SetUpsert(true))
			if err != nil {
				t.Fatalf("upserting %s without names: %v", slug, err)
			}
		}
	})
}

func TestClaimed(t *testing.T) {
	ctx := context.Background()
	c := collection(t, doc{Slug: "owner", Names: []string{"one", "two"}}, doc{Slug: "other"})
	names := func(d doc) []string { return d.Names }
	for _, tc := range []struct {
		name, slug string
		values     []string
		want       string
		ok         bool
	}{
		{"no values", "new", nil, "", false},
		{"free values", "new", []string{"three", "four"}, "", false},
		{"first taken value in order", "new", []string{"nine", "two", "one"}, "two", true},
		{"own values are not claimed", "owner", []string{"one", "two"}, "", false},
		{"another document's values", "other", []string{"one"}, "one", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := Claimed(ctx, c, "names", tc.slug, tc.values, names)
			if err != nil {
				t.Fatalf("Claimed: %v", err)
			}
			if got != tc.want || ok != tc.ok {
				t.Errorf("Claimed = %q, %v; want %q, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	t.Run("read error", func(t *testing.T) {
		bad := func(d bson.Raw) []string { return nil }
		if _, _, err := Claimed(ctx, c, "$bad", "new", []string{"one"}, bad); err == nil {
			t.Error("Claimed with a bad field succeeded, want an error")
		}
	})
}
