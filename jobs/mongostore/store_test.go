package mongostore_test

import (
	"testing"

	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/storetesting"
	"github.com/berth/berth/jobs"
	"github.com/berth/berth/jobs/mongostore"
	"github.com/berth/berth/jobs/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) jobs.Store {
		return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
	})
}
