package mongostore_test

import (
	"testing"

	"github.com/berth/berth/audit"
	"github.com/berth/berth/audit/mongostore"
	"github.com/berth/berth/audit/storetest"
	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/storetesting"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) audit.Store {
		return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
	})
}
