package mongostore_test

import (
	"context"
	"testing"

	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/publisher/mongostore"
	"github.com/berth/berth/publisher/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) publisher.Store {
		db := mongotest.Start(t)
		s, err := mongostore.New(context.Background(), db)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		// A second New on the same database must accept the existing indexes.
		if _, err := mongostore.New(context.Background(), db); err != nil {
			t.Fatalf("New again: %v", err)
		}
		return s
	})
}
