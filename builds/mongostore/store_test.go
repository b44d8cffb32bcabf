package mongostore_test

import (
	"testing"

	"github.com/berth/berth/builds"
	"github.com/berth/berth/builds/mongostore"
	"github.com/berth/berth/builds/storetest"
	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/storetesting"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) builds.Store {
		return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
	})
}
