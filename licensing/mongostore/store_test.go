package mongostore_test

import (
	"testing"

	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/licensing"
	"github.com/berth/berth/licensing/mongostore"
	"github.com/berth/berth/licensing/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) licensing.Store {
		return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
	})
}
