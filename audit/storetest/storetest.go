// Package storetest is the behaviour suite every audit.Store must pass; the
// SQLite and MongoDB implementations both run it. Run is the entry point.
package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/berth/berth/audit"
	"github.com/berth/berth/internal/storetesting"
)

// Run runs the suite. newStore must return a new, empty store for each call.
func Run(t *testing.T, newStore func(t *testing.T) audit.Store) {
	storetesting.Run(t, newStore, []storetesting.Test[audit.Store]{
		{Name: "NewestFirst", Run: testNewestFirst},
		{Name: "ByOrg", Run: testByOrg},
		{Name: "ByActorAndAction", Run: testByActorAndAction},
		{Name: "Paging", Run: testPaging},
		{Name: "PagingWithin", Run: testPagingWithin},
		{Name: "Limit", Run: testLimit},
		{Name: "DeleteEvents", Run: testDeleteEvents},
		{Name: "Concurrent", Run: testConcurrent},
	})
}

// event returns an event with every field set, text that is not ASCII
// included, visible to orgs.
func event(id string, at time.Time, orgs ...string) audit.Event {
	return audit.Event{
		ID: id, At: at, Action: audit.CredentialRevoked, ActorID: "u-" + id, ActorName: "bøb",
		Credential: audit.CredentialSession, Address: "2001:db8::1", Outcome: audit.Success,
		Target: "token:" + id, Orgs: orgs, Detail: `revoked "ci" token; 'quoted' ünïcode`,
	}
}

// mustAdd stores es, one by one, and fails the test on error.
func mustAdd(t *testing.T, s audit.Store, es ...audit.Event) {
	t.Helper()
	for _, e := range es {
		if err := s.AddEvent(context.Background(), e); err != nil {
			t.Fatalf("AddEvent(%s): %v", e.ID, err)
		}
	}
}

// mustList returns what q lists and fails the test on error.
func mustList(t *testing.T, s audit.Store, q audit.Query) []audit.Event {
	t.Helper()
	got, err := s.Events(context.Background(), q)
	if err != nil {
		t.Fatalf("Events(%+v): %v", q, err)
	}
	return got
}

// ids returns the IDs of es, in order, for readable comparisons.
func ids(es []audit.Event) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

// at returns an instant n seconds after T0, so that tests can place many
// events in order.
func at(n int) time.Time {
	return storetesting.T0.Add(time.Duration(n) * time.Second)
}

// name returns the ID of the n'th of many events, sorting as n does.
func name(n int) string { return fmt.Sprintf("e%03d", n) }
