package mongotest

import (
	"context"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

func TestStartGivesEachTestItsOwnDatabase(t *testing.T) {
	ctx := context.Background()
	a, b := Start(t), Start(t)
	if a.Name() == b.Name() {
		t.Fatalf("both calls returned database %q", a.Name())
	}
	if _, err := a.Collection("c").InsertOne(ctx, bson.D{{Key: "_id", Value: "x"}}); err != nil {
		t.Fatalf("inserting: %v", err)
	}
	n, err := b.Collection("c").CountDocuments(ctx, bson.D{})
	if err != nil {
		t.Fatalf("counting: %v", err)
	}
	if n != 0 {
		t.Errorf("second database sees %d documents of the first", n)
	}
}

func TestStartURIConnects(t *testing.T) {
	ctx := context.Background()
	uri := StartURI(t)
	if !strings.HasPrefix(uri, "mongodb://127.0.0.1:") {
		t.Fatalf("uri = %q", uri)
	}
	client, err := mongo.Connect(ctx, options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatalf("connecting: %v", err)
	}
	defer func() { _ = client.Disconnect(ctx) }()
	if err := client.Ping(ctx, nil); err != nil {
		t.Fatalf("ping: %v", err)
	}
}

func TestServerStopsAfterLastHolder(t *testing.T) {
	t.Run("hold", func(t *testing.T) { Start(t) })
	mu.Lock()
	defer mu.Unlock()
	if shared != nil || refs != 0 {
		t.Errorf("after the only holder finished: shared = %v, refs = %d", shared != nil, refs)
	}
}

func TestDatabaseName(t *testing.T) {
	long := strings.Repeat("Sub/Test ", 20)
	for _, tc := range []struct{ test, want string }{
		{"TestX/sub_case", "t1_testx_sub_case"},
		{"Weird $name.with:chars", "t1_weird_name_with_chars"},
	} {
		if got := databaseName(tc.test, 1); got != tc.want {
			t.Errorf("databaseName(%q) = %q, want %q", tc.test, got, tc.want)
		}
	}
	if got := databaseName(long, 12); len(got) > 63 || !strings.HasPrefix(got, "t12_") {
		t.Errorf("databaseName(long) = %q (%d bytes)", got, len(got))
	}
}
