package mongotest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
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
	if shared[SQLite] != nil || refs[SQLite] != 0 {
		t.Errorf("after the only holder finished: shared = %v, refs = %d", shared[SQLite] != nil, refs[SQLite])
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

// BenchmarkAtomicity measures whether FerretDB keeps concurrent updates
// of one document exact, on each of its backends: 8 goroutines each apply
// 25 `$inc` to one counter, and 8 goroutines each try 25 conditional
// claims (`findOneAndUpdate` of {left: {$gt: 0}} with {$inc: {left: -1}})
// of a document holding 50. MongoDB applies both atomically per document;
// it reports the updates lost and the claims granted beyond the 50.
//
//	go test -run '^$' -bench Atomicity -benchtime 1x ./internal/mongotest/
func BenchmarkAtomicity(b *testing.B) {
	for _, backend := range []Backend{SQLite, PostgreSQL} {
		b.Run(string(backend), func(b *testing.B) {
			ctx := context.Background()
			db := StartOn(b, backend)
			var lost, overGranted int
			for i := 0; i < b.N; i++ {
				c := db.Collection(fmt.Sprintf("round%d", i))
				if _, err := c.InsertMany(ctx, []any{bson.D{{Key: "_id", Value: "n"}, {Key: "v", Value: 0}},
					bson.D{{Key: "_id", Value: "seats"}, {Key: "left", Value: 50}}}); err != nil {
					b.Fatal(err)
				}
				const workers, each = 8, 25
				var granted atomic.Int64
				var wg sync.WaitGroup
				for range workers {
					wg.Add(2)
					go func() {
						defer wg.Done()
						for range each {
							_, _ = c.UpdateOne(ctx, bson.D{{Key: "_id", Value: "n"}}, bson.D{{Key: "$inc", Value: bson.D{{Key: "v", Value: 1}}}})
						}
					}()
					go func() {
						defer wg.Done()
						for range each {
							err := c.FindOneAndUpdate(ctx, bson.D{{Key: "_id", Value: "seats"}, {Key: "left", Value: bson.D{{Key: "$gt", Value: 0}}}},
								bson.D{{Key: "$inc", Value: bson.D{{Key: "left", Value: -1}}}}).Err()
							if err == nil {
								granted.Add(1)
							}
						}
					}()
				}
				wg.Wait()
				var got struct{ V int }
				if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: "n"}}).Decode(&got); err != nil {
					b.Fatal(err)
				}
				lost += workers*each - got.V
				overGranted += int(granted.Load()) - 50
			}
			b.ReportMetric(float64(lost)/float64(b.N), "lost-incs/200")
			b.ReportMetric(float64(overGranted)/float64(b.N), "over-granted/50")
		})
	}
}
