package mongostore_test

import (
	"testing"

	"github.com/berth/berth/account"
	"github.com/berth/berth/account/mongostore"
	"github.com/berth/berth/account/storetest"
	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/storetesting"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) account.Store {
		return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
	})
}
