package sqlitestore_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth/berth/internal/sqldb"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/licensing/sqlitestore"
	"github.com/berth/berth/licensing/storetest"
)

// newStore returns a store on a new, empty database.
func newStore(t *testing.T) *sqlitestore.Store {
	return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) licensing.Store { return newStore(t) })
}

func TestRefreshStore(t *testing.T) {
	storetest.RunRefresh(t, func(t *testing.T) licensing.RefreshStore { return newStore(t) })
}

func TestUsageStore(t *testing.T) {
	storetest.RunUsage(t, func(t *testing.T) licensing.UsageStore { return newStore(t) }, storetest.Options{})
}

func TestReferrerStore(t *testing.T) {
	storetest.RunReferrers(t, func(t *testing.T) licensing.ReferrerStore { return newStore(t) })
}

// TestSealedKeys scans the database files themselves: the file, its
// write-ahead log and its shared-memory index.
func TestSealedKeys(t *testing.T) {
	storetest.RunSealed(t, func(t *testing.T) storetest.Sealed {
		path := filepath.Join(t.TempDir(), "berth.db")
		db, err := sqldb.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		return storetest.Sealed{Store: storetesting.NewStore(t, db, sqlitestore.New), Dump: func(t *testing.T) []byte {
			var all []byte
			for _, name := range []string{path, path + "-wal", path + "-shm"} {
				b, err := os.ReadFile(name)
				if err != nil && !errors.Is(err, fs.ErrNotExist) {
					t.Fatal(err)
				}
				all = append(all, b...)
			}
			return all
		}}
	})
}

func TestHandoverStore(t *testing.T) {
	storetest.RunHandover(t, func(t *testing.T) licensing.HandoverStore { return newStore(t) })
}
