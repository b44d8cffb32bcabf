package mongostore_test

import (
	"testing"

	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/publisher"
	"github.com/berth/berth/publisher/mongostore"
	"github.com/berth/berth/publisher/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) publisher.Store {
		return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
	})
}
