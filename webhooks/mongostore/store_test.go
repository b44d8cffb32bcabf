package mongostore_test

import (
	"testing"

	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/webhooks"
	"github.com/berth/berth/webhooks/mongostore"
	"github.com/berth/berth/webhooks/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) webhooks.Store {
		return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
	})
}
