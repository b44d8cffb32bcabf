package mongostore_test

import (
	"testing"

	"github.com/berth/berth/catalog"
	"github.com/berth/berth/catalog/mongostore"
	"github.com/berth/berth/catalog/storetest"
	"github.com/berth/berth/internal/mongotest"
	"github.com/berth/berth/internal/storetesting"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) catalog.Store {
		return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
	})
}

func TestStarStore(t *testing.T) {
	storetest.RunStars(t, func(t *testing.T) storetest.StarStore {
		return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
	})
}

func TestTagStore(t *testing.T) {
	storetest.RunTags(t, func(t *testing.T) storetest.TagStore {
		return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
	})
}

func TestRepositoryStore(t *testing.T) {
	storetest.RunRepositories(t, func(t *testing.T) catalog.RepositoryStore {
		return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
	})
}

func TestCommunityStore(t *testing.T) {
	storetest.RunCommunity(t, func(t *testing.T) storetest.CommunityStore {
		return storetesting.NewStore(t, mongotest.Start(t), mongostore.New)
	})
}
