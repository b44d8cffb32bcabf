package mongostore_test

import (
	"context"
	"testing"

	"go.mongodb.org/mongo-driver/bson"

	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/licensing/mongostore"
	"github.com/berth/berth/licensing/storetest"
)

// newStore returns a store on a new, empty database.
func newStore(t *testing.T) *mongostore.Store {
	return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) licensing.Store { return newStore(t) })
}

func TestRefreshStore(t *testing.T) {
	storetest.RunRefresh(t, func(t *testing.T) licensing.RefreshStore { return newStore(t) })
}

func TestUsageStore(t *testing.T) {
	storetest.RunUsage(t, func(t *testing.T) licensing.UsageStore { return newStore(t) }, storetest.Options{
		NotAtomic: "FerretDB v1 applies conditional updates ($inc, $push) as read-modify-write; " +
			"this case runs exactly on SQLite, and README.md's table under \"Concurrency on the MongoDB side\" " +
			"says why ClaimSeat and CountPull are atomic on MongoDB",
	})
}

func TestReferrerStore(t *testing.T) {
	storetest.RunReferrers(t, func(t *testing.T) licensing.ReferrerStore { return newStore(t) })
}

// TestSealedKeys scans every document of the database as the server sends
// it (raw BSON).
func TestSealedKeys(t *testing.T) {
	storetest.RunSealed(t, func(t *testing.T) storetest.Sealed {
		db := mongotest.Start(t)
		return storetest.Sealed{Store: storetesting.NewStore(t, db, mongostore.New), Dump: func(t *testing.T) []byte {
			ctx := context.Background()
			names, err := db.ListCollectionNames(ctx, bson.D{})
			if err != nil {
				t.Fatal(err)
			}
			var all []byte
			for _, name := range names {
				cur, err := db.Collection(name).Find(ctx, bson.D{})
				if err != nil {
					t.Fatal(err)
				}
				for cur.Next(ctx) {
					all = append(all, cur.Current...)
				}
				if err := cur.Err(); err != nil {
					t.Fatal(err)
				}
				_ = cur.Close(ctx)
			}
			return all
		}}
	})
}

func TestHandoverStore(t *testing.T) {
	storetest.RunHandover(t, func(t *testing.T) licensing.HandoverStore { return newStore(t) })
}
