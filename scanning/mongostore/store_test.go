package mongostore_test

import (
	"testing"

	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/scanning"
	"github.com/berth/berth/scanning/mongostore"
	"github.com/berth/berth/scanning/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) scanning.Store {
		return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
	})
}
