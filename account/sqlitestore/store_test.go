package sqlitestore_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/berth/berth/account"
	"github.com/berth/berth/account/sqlitestore"
	"github.com/berth/berth/account/storetest"
	"github.com/berth/berth/internal/sqldb/sqldbtest"
	"github.com/berth/berth/internal/storetesting"
)

// newStore returns a store on a new, empty database.
func newStore(t *testing.T) *sqlitestore.Store {
	return storetesting.NewStore(t, sqldbtest.Open(t), sqlitestore.New)
}

func TestStores(t *testing.T) {
	storetest.RunAll(t, func(t *testing.T) storetest.AllStores { return newStore(t) })
}

// TestUpdateOrgConcurrently checks what the shared suite cannot (FerretDB
// applies a filtered update as read, then write): that of many updates from
// the same version exactly one succeeds and the others are told ErrStale.
func TestUpdateOrgConcurrently(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	err := s.CreateOrg(ctx, account.Org{ID: "o1", Name: "acme",
		Members: []account.Member{{UserID: "u0", Role: account.RoleOwner}}})
	if err != nil {
		t.Fatalf("CreateOrg: %v", err)
	}
	const writers = 20
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []string
	)
	for i := range writers {
		wg.Go(func() {
			user := string(rune('a' + i))
			o := account.Org{ID: "o1", Name: "acme", Version: 1,
				Members: []account.Member{{UserID: user, Role: account.RoleOwner}}}
			_, err := s.UpdateOrg(ctx, o)
			switch {
			case err == nil:
				mu.Lock()
				winners = append(winners, user)
				mu.Unlock()
			case !errors.Is(err, account.ErrStale):
				t.Errorf("UpdateOrg(%s): %v", user, err)
			}
		})
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("%d updates from version 1 succeeded (%q), want 1", len(winners), winners)
	}
	o, err := s.OrgByName(ctx, "acme")
	if err != nil {
		t.Fatalf("OrgByName: %v", err)
	}
	if o.Version != 2 || o.Role(winners[0]) != account.RoleOwner || len(o.Members) != 1 {
		t.Errorf("stored %+v, want version 2 with the winner %s as the only member", o, winners[0])
	}
	byMember, err := s.OrgsByMember(ctx, winners[0])
	if err != nil || len(byMember) != 1 {
		t.Errorf("OrgsByMember(%s) = %v, %v; want acme", winners[0], byMember, err)
	}
}
