package storetest

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/berth/berth/audit"
)

// pagingEvents adds seven events, three of them at one instant, all seen by
// o1 and every other one by o2, and returns their IDs newest first.
func pagingEvents(t *testing.T, s audit.Store) []string {
	t.Helper()
	for i, n := range []int{1, 2, 2, 2, 3, 4, 5} {
		orgs := []string{"o1"}
		if i%2 == 0 {
			orgs = append(orgs, "o2")
		}
		mustAdd(t, s, event(name(i), at(n), orgs...))
	}
	return []string{name(6), name(5), name(4), name(3), name(2), name(1), name(0)}
}

// pages lists every page of q, following Query.Next, and returns the IDs in
// the order read and the number of pages.
func pages(t *testing.T, s audit.Store, q audit.Query) ([]string, int) {
	t.Helper()
	var (
		out   []string
		count int
	)
	for more := true; more; count++ {
		if count > 20 {
			t.Fatalf("paging %+v does not end", q)
		}
		page := mustList(t, s, q)
		out = append(out, ids(page)...)
		q, more = q.Next(page)
	}
	return out, count
}

func testPaging(t *testing.T, s audit.Store) {
	want := pagingEvents(t, s)
	for _, limit := range []int{1, 2, 3, 7} {
		got, n := pages(t, s, audit.Query{Limit: limit})
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("pages of %d (-want +got):\n%s", limit, diff)
		}
		// A page as long as the limit may not be the last: one more,
		// empty, shows it.
		if wantPages := len(want)/limit + 1; n != wantPages {
			t.Errorf("pages of %d: read %d pages, want %d", limit, n, wantPages)
		}
	}
	// Before alone keeps events strictly older: none of the three at at(2).
	got := ids(mustList(t, s, audit.Query{Before: at(2), Limit: 9}))
	if diff := cmp.Diff([]string{name(0)}, got); diff != "" {
		t.Errorf("Events before at(2) (-want +got):\n%s", diff)
	}
	// With BeforeID, those at exactly Before with a lower ID come too.
	got = ids(mustList(t, s, audit.Query{Before: at(2), BeforeID: name(3), Limit: 9}))
	if diff := cmp.Diff([]string{name(2), name(1), name(0)}, got); diff != "" {
		t.Errorf("Events before (at(2), %s) (-want +got):\n%s", name(3), diff)
	}
}

// testPagingWithin pages through filtered listings, whose cursors each
// store applies through another index.
func testPagingWithin(t *testing.T, s audit.Store) {
	all := pagingEvents(t, s)
	for _, tc := range []struct {
		q    audit.Query
		want []string
	}{
		{audit.Query{OrgID: "o1"}, all},
		{audit.Query{OrgID: "o2"}, []string{name(6), name(4), name(2), name(0)}},
		{audit.Query{Action: audit.CredentialRevoked}, all},
		{audit.Query{OrgID: "o2", Action: audit.CredentialRevoked}, []string{name(6), name(4), name(2), name(0)}},
		{audit.Query{ActorID: "u-" + name(2)}, []string{name(2)}},
	} {
		for _, limit := range []int{1, 2} {
			tc.q.Limit = limit
			got, _ := pages(t, s, tc.q)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("pages of %+v (-want +got):\n%s", tc.q, diff)
			}
		}
	}
}
