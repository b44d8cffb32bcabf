package mongostore_test

import (
	"testing"

	"github.com/berth/berth/directory"
	"github.com/berth/berth/directory/mongostore"
	"github.com/berth/berth/directory/storetest"
	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/storetesting"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) directory.Store {
		return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
	})
}
