package mongostore_test

import (
	"testing"

	"github.com/berth/berth/billing"
	"github.com/berth/berth/billing/mongostore"
	"github.com/berth/berth/billing/storetest"
	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/storetesting"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) billing.Store {
		return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
	})
}
