package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/audit"
	"github.com/berth/berth/internal/storetesting"
)

// all lists up to a page of every event.
var all = audit.Query{Limit: audit.MaxLimit}

func testNewestFirst(t *testing.T, s audit.Store) {
	e1, e2 := event("e1", storetesting.T0, "o1", "o2"), event("e2", storetesting.T2)
	// Two events at one instant come by ID, descending.
	tieA, tieB := event("t-a", storetesting.T1), event("t-b", storetesting.T1)
	bare := audit.Event{ID: "bare", At: storetesting.T1.Add(-1), Action: audit.SignInFailed, Outcome: audit.Failure}
	mustAdd(t, s, e1, tieA, e2, bare, tieB)
	want := []audit.Event{e2, tieB, tieA, bare, e1}
	if diff := cmp.Diff(want, mustList(t, s, all)); diff != "" {
		t.Errorf("Events (-want +got):\n%s", diff)
	}
}

func testByOrg(t *testing.T, s audit.Store) {
	both := event("both", storetesting.T0, "o1", "o2")
	one, two := event("one", storetesting.T1, "o1"), event("two", storetesting.T2, "o2")
	none := event("none", storetesting.T2.Add(1))
	mustAdd(t, s, both, one, two, none)
	for _, tc := range []struct {
		org  string
		want []audit.Event
	}{
		{"o1", []audit.Event{one, both}},
		{"o2", []audit.Event{two, both}},
		{"o3", nil},
		{"", []audit.Event{none, two, one, both}},
	} {
		got := mustList(t, s, audit.Query{OrgID: tc.org, Limit: audit.MaxLimit})
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("Events of org %q (-want +got):\n%s", tc.org, diff)
		}
	}
}

func testByActorAndAction(t *testing.T, s audit.Store) {
	mk := func(id string, n int, actor string, action audit.Action, orgs ...string) audit.Event {
		e := event(id, at(n), orgs...)
		e.ActorID, e.Action = actor, action
		return e
	}
	mustAdd(t, s,
		mk("a1", 1, "ann", audit.SignIn, "o1"),
		mk("a2", 2, "ann", audit.SignInFailed),
		mk("a3", 3, "ann", audit.RoleChanged, "o1"),
		mk("b1", 4, "bob", audit.SignIn, "o1"),
		mk("b2", 5, "bob", audit.RoleChanged, "o2"),
		mk("x1", 6, "", audit.SignInFailed),
	)
	for _, tc := range []struct {
		name string
		q    audit.Query
		want []string
	}{
		{"actor", audit.Query{ActorID: "ann"}, []string{"a3", "a2", "a1"}},
		{"action", audit.Query{Action: audit.SignInFailed}, []string{"x1", "a2"}},
		{"actor and action", audit.Query{ActorID: "bob", Action: audit.RoleChanged}, []string{"b2"}},
		{"org and actor", audit.Query{OrgID: "o1", ActorID: "ann"}, []string{"a3", "a1"}},
		{"org and action", audit.Query{OrgID: "o1", Action: audit.SignIn}, []string{"b1", "a1"}},
		{"org, actor and action", audit.Query{OrgID: "o1", ActorID: "bob", Action: audit.SignIn}, []string{"b1"}},
		{"no match", audit.Query{OrgID: "o2", ActorID: "ann"}, nil},
		{"unknown actor", audit.Query{ActorID: "nobody"}, nil},
	} {
		tc.q.Limit = audit.MaxLimit
		if diff := cmp.Diff(tc.want, ids(mustList(t, s, tc.q))); diff != "" {
			t.Errorf("%s: Events(%+v) IDs (-want +got):\n%s", tc.name, tc.q, diff)
		}
	}
}

func testLimit(t *testing.T, s audit.Store) {
	for n := range 5 {
		mustAdd(t, s, event(name(n), at(n), "o1"))
	}
	for _, tc := range []struct {
		q    audit.Query
		want []string
	}{
		{audit.Query{Limit: 1}, []string{name(4)}},
		{audit.Query{Limit: 3, OrgID: "o1"}, []string{name(4), name(3), name(2)}},
		{audit.Query{Limit: 3, Action: audit.CredentialRevoked}, []string{name(4), name(3), name(2)}},
		{audit.Query{Limit: 2, ActorID: "u-" + name(1)}, []string{name(1)}},
		{audit.Query{Limit: 9}, []string{name(4), name(3), name(2), name(1), name(0)}},
		{audit.Query{Limit: 0}, nil},
		{audit.Query{Limit: -1, OrgID: "o1"}, nil},
	} {
		if diff := cmp.Diff(tc.want, ids(mustList(t, s, tc.q))); diff != "" {
			t.Errorf("Events(%+v) IDs (-want +got):\n%s", tc.q, diff)
		}
	}
}

func testDeleteEvents(t *testing.T, s audit.Store) {
	ctx := context.Background()
	old, older := event("old", storetesting.T0, "o1"), event("older", storetesting.T0.Add(-1), "o1", "o2")
	edge, young := event("edge", storetesting.T1, "o1"), event("young", storetesting.T2, "o2")
	mustAdd(t, s, old, older, edge, young)
	n, err := s.DeleteEvents(ctx, storetesting.T1)
	if err != nil || n != 2 {
		t.Fatalf("DeleteEvents(T1) = %d, %v; want 2, nil", n, err)
	}
	// The event at exactly the bound stays, and the deleted ones are gone
	// from every listing, each organisation's included.
	for _, tc := range []struct {
		q    audit.Query
		want []audit.Event
	}{
		{all, []audit.Event{young, edge}},
		{audit.Query{OrgID: "o1", Limit: 9}, []audit.Event{edge}},
		{audit.Query{OrgID: "o2", Limit: 9}, []audit.Event{young}},
		{audit.Query{ActorID: "u-old", Limit: 9}, nil},
	} {
		if diff := cmp.Diff(tc.want, mustList(t, s, tc.q)); diff != "" {
			t.Errorf("Events(%+v) after DeleteEvents (-want +got):\n%s", tc.q, diff)
		}
	}
	if n, err := s.DeleteEvents(ctx, storetesting.T1); err != nil || n != 0 {
		t.Errorf("DeleteEvents(T1) again = %d, %v; want 0, nil", n, err)
	}
	// An event may be added again at the same instant once its
	// organisation rows are gone.
	mustAdd(t, s, old)
	if diff := cmp.Diff([]string{"edge", "old"}, ids(mustList(t, s, audit.Query{OrgID: "o1", Limit: 9}))); diff != "" {
		t.Errorf("org o1 after re-adding a deleted event (-want +got):\n%s", diff)
	}
}

// testConcurrent adds events from many goroutines at once: none may be lost
// to a busy database or a lost write.
func testConcurrent(t *testing.T, s audit.Store) {
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			// Half the events share one instant.
			errs <- s.AddEvent(context.Background(), event(name(i), at(i%2*i), "o1"))
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("AddEvent: %v", err)
		}
	}
	for _, q := range []audit.Query{all, {OrgID: "o1", Limit: audit.MaxLimit}} {
		got := ids(mustList(t, s, q))
		if len(got) != n {
			t.Errorf("Events(%+v) lists %d events, want %d", q, len(got), n)
		}
		seen := map[string]bool{}
		for _, id := range got {
			seen[id] = true
		}
		if len(seen) != n {
			t.Errorf("Events(%+v) lists %d distinct events, want %d", q, len(seen), n)
		}
	}
}
